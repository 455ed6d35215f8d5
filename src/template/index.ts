/** The template layer: Liquid and JSONata, compiled once and evaluated against plain JSON. */
export { compileLiquid, DEFAULT_LIQUID_LIMITS, type LiquidLimits } from './liquid.js';
export { compileJsonata, DEFAULT_JSONATA_LIMITS, type JsonataLimits } from './jsonata.js';
export {
  TemplateError,
  type CompiledJsonata,
  type CompiledLiquid,
  type LiquidOptions,
  type TemplateScope,
} from './template-engine.js';
