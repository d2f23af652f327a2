import { describe, expect, test } from 'vitest';
import { scaleBox } from './geometry';

describe('scaleBox', () => {
  test('scales pixel boxes to the displayed size', () => {
    const rect = scaleBox({ x_min: 100, y_min: 60, x_max: 300, y_max: 460 }, { width: 800, height: 600 }, { width: 400, height: 300 });
    expect(rect).toEqual({ x: 50, y: 30, width: 100, height: 200 });
  });

  test('handles swapped corners and an unknown natural size', () => {
    expect(scaleBox({ x_min: 30, y_min: 40, x_max: 10, y_max: 20 }, { width: 100, height: 100 }, { width: 100, height: 100 })).toEqual({
      x: 10, y: 20, width: 20, height: 20,
    });
    expect(scaleBox({ x_min: 1, y_min: 1, x_max: 2, y_max: 2 }, { width: 0, height: 0 }, { width: 10, height: 10 }).width).toBe(0);
  });
});
