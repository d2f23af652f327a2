"""Reference pre/post-processing for the Sightgraph detector and embedder.

Shared by validate.py, reference.py and bench/cv/baseline.py so the Python
numbers and the Rust cv-processor follow one definition: TF1 bilinear resize
(align_corners=False, half_pixel_centers=False, no antialias), the input
scalings from MODELS.md, and per-class greedy NMS on clipped boxes.
Needs only numpy and Pillow.
"""
import numpy as np
from PIL import Image, ImageOps

DETECTOR_SIZE = 300
EMBEDDER_SIZE = 224
SCORE_THRESHOLD = 0.4
NMS_IOU = 0.5
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)

# COCO category id -> label (ids 1..90, 80 used); detector column k is id k+1.
COCO_LABELS = {
    1: "person", 2: "bicycle", 3: "car", 4: "motorcycle", 5: "airplane", 6: "bus",
    7: "train", 8: "truck", 9: "boat", 10: "traffic light", 11: "fire hydrant",
    13: "stop sign", 14: "parking meter", 15: "bench", 16: "bird", 17: "cat",
    18: "dog", 19: "horse", 20: "sheep", 21: "cow", 22: "elephant", 23: "bear",
    24: "zebra", 25: "giraffe", 27: "backpack", 28: "umbrella", 31: "handbag",
    32: "tie", 33: "suitcase", 34: "frisbee", 35: "skis", 36: "snowboard",
    37: "sports ball", 38: "kite", 39: "baseball bat", 40: "baseball glove",
    41: "skateboard", 42: "surfboard", 43: "tennis racket", 44: "bottle",
    46: "wine glass", 47: "cup", 48: "fork", 49: "knife", 50: "spoon", 51: "bowl",
    52: "banana", 53: "apple", 54: "sandwich", 55: "orange", 56: "broccoli",
    57: "carrot", 58: "hot dog", 59: "pizza", 60: "donut", 61: "cake", 62: "chair",
    63: "couch", 64: "potted plant", 65: "bed", 67: "dining table", 70: "toilet",
    72: "tv", 73: "laptop", 74: "mouse", 75: "remote", 76: "keyboard",
    77: "cell phone", 78: "microwave", 79: "oven", 80: "toaster", 81: "sink",
    82: "refrigerator", 84: "book", 85: "clock", 86: "vase", 87: "scissors",
    88: "teddy bear", 89: "hair drier", 90: "toothbrush",
}
assert len(COCO_LABELS) == 80


def decode(path):
    """Decode to an RGB uint8 HxWx3 array, EXIF orientation applied."""
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def _axis(in_size, out_size):
    # NB: TF1 legacy mapping src = dst * in/out (float32), no half-pixel offset.
    scale = np.float32(in_size) / np.float32(out_size)
    src = np.arange(out_size, dtype=np.float32) * scale
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, in_size - 1)
    return lo, hi, (src - lo.astype(np.float32)).astype(np.float32)


def resize_bilinear_tf1(img, height, width):
    """HxWxC uint8/float -> height x width x C float32, like
    tf.compat.v1.image.resize_bilinear(align_corners=False, half_pixel_centers=False)."""
    x = img.astype(np.float32)
    y0, y1, fy = _axis(x.shape[0], height)
    x0, x1, fx = _axis(x.shape[1], width)
    fx = fx[None, :, None]
    top = x[y0][:, x0] + (x[y0][:, x1] - x[y0][:, x0]) * fx
    bot = x[y1][:, x0] + (x[y1][:, x1] - x[y1][:, x0]) * fx
    return top + (bot - top) * fy[:, None, None]


def detector_input(resized_hwc):
    """300x300x3 float RGB in 0..255 -> [1,3,300,300] float32 scaled x/127.5-1."""
    x = resized_hwc.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def embedder_input(resized_hwc):
    """224x224x3 float RGB in 0..255 -> [3,224,224] float32, /255 then ImageNet mean/std."""
    x = (resized_hwc.astype(np.float32) / np.float32(255.0) - IMAGENET_MEAN) / IMAGENET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def _iou(box, others):
    ymin = np.maximum(box[0], others[:, 0])
    xmin = np.maximum(box[1], others[:, 1])
    ymax = np.minimum(box[2], others[:, 2])
    xmax = np.minimum(box[3], others[:, 3])
    inter = np.clip(ymax - ymin, 0, None) * np.clip(xmax - xmin, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area(box) + area(others) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def postprocess(scores, boxes, threshold=SCORE_THRESHOLD, iou=NMS_IOU):
    """Detector outputs scores [1,A,90], boxes [1,A,1,4] -> detections.

    Boxes are clipped to [0,1] first; then per class, candidates with
    score > threshold are kept greedily (highest score first) unless their
    IoU with an already kept box of the same class is > iou. Sorted by score
    desc, ties by category id. Returns dicts with category_id, label, score
    and box_norm (x_min, y_min, x_max, y_max)."""
    scores = scores[0]
    boxes = np.clip(boxes[0, :, 0, :], 0.0, 1.0)
    out = []
    for k in np.nonzero((scores > threshold).any(axis=0))[0]:
        cat = int(k) + 1
        cand = np.nonzero(scores[:, k] > threshold)[0]
        cand = cand[np.argsort(-scores[cand, k], kind="stable")]
        while cand.size:
            best, cand = cand[0], cand[1:]
            b = boxes[best]
            out.append({
                "category_id": cat,
                "label": COCO_LABELS.get(cat, f"class_{cat}"),
                "score": float(scores[best, k]),
                "box_norm": {"x_min": float(b[1]), "y_min": float(b[0]),
                             "x_max": float(b[3]), "y_max": float(b[2])},
            })
            cand = cand[_iou(b, boxes[cand]) <= iou]
    out.sort(key=lambda d: (-d["score"], d["category_id"]))
    return out


def crop(img, box_norm):
    """Crop an HxWx3 image to a normalised box (at least 1x1 pixel)."""
    h, w = img.shape[:2]
    x0 = min(int(box_norm["x_min"] * w), w - 1)
    y0 = min(int(box_norm["y_min"] * h), h - 1)
    x1 = max(int(np.ceil(box_norm["x_max"] * w)), x0 + 1)
    y1 = max(int(np.ceil(box_norm["y_max"] * h)), y0 + 1)
    return img[y0:y1, x0:x1]
