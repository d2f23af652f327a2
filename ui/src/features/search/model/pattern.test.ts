import { describe, expect, test } from 'vitest';
import { buildPatternQuery, emptyForm, formFromRouteQuery, formToRouteQuery, validateForm } from './pattern';

describe('pattern query', () => {
  test('a minimal form sends nulls for the optional parts', () => {
    expect(buildPatternQuery(emptyForm())).toEqual({
      subject: { label: 'person', color: null },
      relation: { type: 'NEAR', max_distance: null },
      object: { label: 'car', color: null },
      version: null,
      limit: 20,
      cursor: null,
    });
  });

  test('a full form sends colours, distance, version and the page', () => {
    const form = { subjectLabel: ' dog ', subjectColor: 'brown', maxDistance: '0.25', objectLabel: 'bicycle', objectColor: 'yellow', version: 'v1@x' };
    expect(buildPatternQuery(form, 'img.subj.obj', 20)).toEqual({
      subject: { label: 'dog', color: 'brown' },
      relation: { type: 'NEAR', max_distance: 0.25 },
      object: { label: 'bicycle', color: 'yellow' },
      version: 'v1@x',
      limit: 20,
      cursor: 'img.subj.obj',
    });
  });

  test.each([
    [{ subjectLabel: '' }, 'subjectLabel'],
    [{ objectLabel: '  ' }, 'objectLabel'],
    [{ maxDistance: 'near' }, 'maxDistance'],
    [{ maxDistance: '-1' }, 'maxDistance'],
    [{ version: 'has space' }, 'version'],
  ])('%o is rejected on %s', (change, field) => {
    expect(Object.keys(validateForm({ ...emptyForm(), ...change }))).toEqual([field]);
  });

  test('the form survives a trip through the route query', () => {
    const form = { ...emptyForm(), subjectColor: 'red', maxDistance: '0.2' };
    expect(formToRouteQuery(form)).toEqual({ s: 'person', sc: 'red', d: '0.2', o: 'car' });
    expect(formFromRouteQuery(formToRouteQuery(form))).toEqual(form);
    expect(formFromRouteQuery({})).toBeUndefined();
  });
});
