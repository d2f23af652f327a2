//! The pattern query of `POST /query/pattern` and the form state it is built from.
import type { DetectedObject, Image, Relation } from '@/features/images/model/types';

export interface NodePattern {
  label: string;
  color: string | null;
}

export interface PatternQuery {
  subject: NodePattern;
  relation: { type: 'NEAR'; max_distance: number | null };
  object: NodePattern;
  version: string | null;
  limit: number;
  /** The previous page's `next_cursor`; `null` for the first page. */
  cursor: string | null;
}

export interface PatternMatch {
  image: Image;
  /** Without `embedding`. */
  subject: DetectedObject;
  /** Without `embedding`. */
  object: DetectedObject;
  relation: Relation;
}

export interface PatternResponse {
  model_version: string;
  matches: PatternMatch[];
  truncated: boolean;
  /** Pass back as `cursor` for the next page; `null` on the last page. */
  next_cursor: string | null;
}

/** What the search form edits; strings as typed, all optional except the labels. */
export interface PatternForm {
  subjectLabel: string;
  subjectColor: string;
  maxDistance: string;
  objectLabel: string;
  objectColor: string;
  version: string;
}

export const PAGE_SIZE = 20;

export function emptyForm(): PatternForm {
  return { subjectLabel: 'person', subjectColor: '', maxDistance: '', objectLabel: 'car', objectColor: '', version: '' };
}

const blankToNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());

/** Problems that stop the form from being sent, by field. */
export function validateForm(form: PatternForm): Partial<Record<keyof PatternForm, string>> {
  const errors: Partial<Record<keyof PatternForm, string>> = {};
  if (form.subjectLabel.trim() === '') errors.subjectLabel = 'Subject label is required';
  if (form.objectLabel.trim() === '') errors.objectLabel = 'Object label is required';
  if (form.maxDistance.trim() !== '') {
    const d = Number(form.maxDistance);
    if (!Number.isFinite(d) || d < 0) errors.maxDistance = 'Max distance must be a number ≥ 0';
  }
  if (form.version.trim() !== '' && !/^[A-Za-z0-9._@+-]{1,128}$/.test(form.version.trim())) {
    errors.version = 'Model version may hold letters, digits and . _ @ + - (at most 128)';
  }
  return errors;
}

/** The request body for a valid form. */
export function buildPatternQuery(form: PatternForm, cursor: string | null = null, limit = PAGE_SIZE): PatternQuery {
  const distance = blankToNull(form.maxDistance);
  return {
    subject: { label: form.subjectLabel.trim(), color: blankToNull(form.subjectColor) },
    relation: { type: 'NEAR', max_distance: distance === null ? null : Number(distance) },
    object: { label: form.objectLabel.trim(), color: blankToNull(form.objectColor) },
    version: blankToNull(form.version),
    limit,
    cursor,
  };
}

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>;

const QUERY_KEYS: Record<keyof PatternForm, string> = {
  subjectLabel: 's',
  subjectColor: 'sc',
  maxDistance: 'd',
  objectLabel: 'o',
  objectColor: 'oc',
  version: 'v',
};

/** Form state as route query parameters, so a search is a shareable URL. */
export function formToRouteQuery(form: PatternForm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of Object.entries(QUERY_KEYS) as [keyof PatternForm, string][]) {
    const value = form[field].trim();
    if (value !== '') out[key] = value;
  }
  return out;
}

/** The form of a route query, or undefined when the route holds no search. */
export function formFromRouteQuery(query: RouteQuery): PatternForm | undefined {
  const read = (key: string): string => {
    const v = query[key];
    return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
  };
  if (read('s') === '' && read('o') === '') return undefined;
  const form = emptyForm();
  for (const [field, key] of Object.entries(QUERY_KEYS) as [keyof PatternForm, string][]) form[field] = read(key);
  return form;
}
