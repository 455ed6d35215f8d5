import { describe, expect, it } from 'vitest';
import { timelineScale } from './timeline-scale';

describe('timelineScale', () => {
  it('is linear when nothing is quiet for long', () => {
    const scale = timelineScale([
      { start: 0, end: 1000 },
      { start: 1000, end: 3000 },
      { start: 3500, end: 4000 },
    ]);
    expect(scale.breaks).toEqual([]);
    expect(scale.position(0)).toBe(0);
    expect(scale.position(2000)).toBeCloseTo(50, 5);
    expect(scale.position(4000)).toBeCloseTo(100, 5);
  });

  it('draws a long quiet gap before a rerun as a short break, keeping the first bars wide', () => {
    // A 2 s task failed; its rerun an hour later took 2 s.
    const hour = 3600_000;
    const scale = timelineScale([
      { start: 0, end: 2000 },
      { start: hour, end: hour + 2000 },
    ]);
    expect(scale.breaks).toHaveLength(1);
    expect(scale.breaks[0]?.durationMs).toBe(hour - 2000);
    const firstBar = scale.position(2000) - scale.position(0);
    const rerunBar = scale.position(hour + 2000) - scale.position(hour);
    // On a linear axis each bar would be 0.06 % wide.
    expect(firstBar).toBeGreaterThan(45);
    expect(rerunBar).toBeCloseTo(firstBar, 5);
    expect(scale.position(hour + 2000)).toBeCloseTo(100, 5);
  });

  it('keeps positions in time order across breaks and merges overlapping work', () => {
    const scale = timelineScale([
      { start: 0, end: 5000 },
      { start: 1000, end: 6000 },
      { start: 100_000, end: 101_000 },
      { start: 500_000, end: 500_000 },
    ]);
    expect(scale.breaks).toHaveLength(2);
    const times = [0, 3000, 6000, 50_000, 100_000, 100_500, 101_000, 300_000, 500_000];
    const positions = times.map((t) => scale.position(t));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The instant task at the end keeps a sliver of room after it.
    expect(positions.at(-1)).toBeGreaterThan(99);
    expect(scale.position(600_000)).toBe(100);
  });

  it('has nothing to place without intervals', () => {
    expect(timelineScale([]).position(123)).toBe(0);
  });
});
