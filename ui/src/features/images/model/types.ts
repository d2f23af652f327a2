//! Image, object and relation types of the feature lookups (docs/api.md "Types").

/** Where a lookup answer came from. */
export type Source = 'cache' | 'graph';

/** A box in pixels of the image (`box`) or normalised to 0..1 (`box_norm`). */
export interface BoundingBox {
  x_min: number;
  y_min: number;
  x_max: number;
  y_max: number;
}

/** Dominant colour of an object and the fraction of its box it covers. */
export interface ObjectColor {
  name: string;
  fraction: number;
}

export interface Image {
  /** sha256 of the bytes, 64 lowercase hex characters. */
  id: string;
  uri: string;
  bucket: string;
  name: string;
  generation: string | number;
  width: number;
  height: number;
  content_type: string;
  sha256: string;
  md5_hash: string;
  locations: string[];
}

/** A detected object (`Object` in the API; renamed to avoid shadowing the global). */
export interface DetectedObject {
  /** 32 lowercase hex characters. */
  id: string;
  image_id: string;
  label: string;
  category_id: number;
  score: number;
  box: BoundingBox;
  box_norm: BoundingBox;
  color: ObjectColor;
  feature_id: string;
  model_version: string;
  /** 1280 floats; omitted in pattern matches and similarity results. */
  embedding?: number[];
}

export type RelationType = 'NEAR' | 'OVERLAPS';

export interface Relation {
  type: RelationType;
  /** Object id. */
  from: string;
  /** Object id. */
  to: string;
  distance?: number;
  iou?: number;
}

/** `GET /features/image`. */
export interface ImageFeatures {
  source: Source;
  model_version: string;
  image: Image;
  objects: DetectedObject[];
  relations: Relation[];
}

/** `GET /features/object/{id}`. */
export interface ObjectFeatures {
  source: Source;
  model_version: string;
  object: DetectedObject;
}
