import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from './exit-codes.js';

/** A JSON file (or stdin for `-`), refused with a sentence when it cannot be read or parsed. */
export async function readJsonFile(file: string): Promise<unknown> {
  let content: string;
  try {
    content = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, ExitCode.Usage);
  }
  try {
    return JSON.parse(content) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`, ExitCode.Usage);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
