//! Mapping pixel boxes of the original image onto the displayed image.
import type { BoundingBox } from './types';

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The rectangle of `box` (pixels of an image of size `natural`) on an image displayed at `displayed`. */
export function scaleBox(box: BoundingBox, natural: Size, displayed: Size): Rect {
  const sx = natural.width > 0 ? displayed.width / natural.width : 0;
  const sy = natural.height > 0 ? displayed.height / natural.height : 0;
  const x = Math.max(0, Math.min(box.x_min, box.x_max));
  const y = Math.max(0, Math.min(box.y_min, box.y_max));
  return {
    x: x * sx,
    y: y * sy,
    width: Math.abs(box.x_max - box.x_min) * sx,
    height: Math.abs(box.y_max - box.y_min) * sy,
  };
}
