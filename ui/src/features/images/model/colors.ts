//! CSS colours for the colour names of detected objects.

const NAMED: Record<string, string> = {
  black: '#1b1f24',
  white: '#f0f3f6',
  gray: '#8b949e',
  grey: '#8b949e',
  silver: '#c0c0c0',
  red: '#f85149',
  orange: '#f0883e',
  yellow: '#e3b341',
  green: '#3fb950',
  blue: '#58a6ff',
  purple: '#bc8cff',
  pink: '#f778ba',
  brown: '#a5714a',
  beige: '#d9c7a6',
};

/** Colour names offered by the search form. */
export const COLOR_NAMES = Object.keys(NAMED).filter((c) => c !== 'grey');

/** A CSS colour for a colour name; unknown names get the accent colour. */
export function cssColor(name: string | undefined): string {
  return (name && NAMED[name.toLowerCase()]) || '#58a6ff';
}

/** COCO labels for the label inputs' suggestions. */
export const COCO_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
  'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
  'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase',
  'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];
