/**
 * Decoding MobileNetV3-CenterNet's `tower_0/detections` output ([1, 100, 6]: x1, y1, x2, y2 in
 * the model's input pixels, score, COCO-80 class index) into Workers AI's object-detection
 * answer. Pure functions over plain arrays.
 */

/** COCO's 80 detection categories, in the order of the model's class index. */
export const COCO_80 = [
  "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
  "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
  "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
  "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
  "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
  "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
  "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
  "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
] as const;

/**
 * Overlap (intersection over union) above which a lower-scored box is the same object again.
 * CenterNet's heatmap peaks give several boxes per object; human's own decoder drops them at 0.4.
 */
export const IOU_THRESHOLD = 0.4;

export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}
export interface Detection {
  score: number;
  label: string;
  box: Box;
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const h = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: Box) => (r.xmax - r.xmin) * (r.ymax - r.ymin);
  return inter / (area(a) + area(b) - inter);
}

/**
 * Detections of at least `threshold`, best first, one box per object (greedy non-maximum
 * suppression across classes, as human does), with boxes scaled from the model's
 * `inputSize`² square to the source image's pixels and clamped inside it.
 */
export function decodeDetections(rows: number[][], inputSize: number, width: number, height: number, threshold: number): Detection[] {
  const sx = width / inputSize;
  const sy = height / inputSize;
  const candidates = rows
    .filter((row) => row.length === 6 && row[4]! >= threshold && COCO_80[row[5]!] !== undefined)
    .map(([x1, y1, x2, y2, score, cls]) => ({
      score: score!,
      label: COCO_80[cls!]!,
      box: {
        xmin: clamp(x1! * sx, width),
        ymin: clamp(y1! * sy, height),
        xmax: clamp(x2! * sx, width),
        ymax: clamp(y2! * sy, height),
      },
    }))
    .filter(({ box }) => box.xmax > box.xmin && box.ymax > box.ymin)
    .sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of candidates) if (kept.every((k) => iou(k.box, candidate.box) <= IOU_THRESHOLD)) kept.push(candidate);
  return kept;
}

function clamp(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max);
}
