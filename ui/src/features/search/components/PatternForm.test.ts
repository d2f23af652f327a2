import { mount } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { buildPatternQuery } from '../model/pattern';
import PatternForm from './PatternForm.vue';

describe('PatternForm', () => {
  test('submits what was typed, which builds the documented request', async () => {
    const wrapper = mount(PatternForm);
    await wrapper.get('[data-testid=subject-label]').setValue('dog');
    await wrapper.get('[data-testid=subject-color]').setValue('brown');
    await wrapper.get('[data-testid=max-distance]').setValue('0.3');
    await wrapper.get('[data-testid=object-label]').setValue('bicycle');
    await wrapper.get('[data-testid=pattern-form]').trigger('submit');

    const [form] = wrapper.emitted('submit')?.[0] as [Parameters<typeof buildPatternQuery>[0]];
    expect(buildPatternQuery(form)).toEqual({
      subject: { label: 'dog', color: 'brown' },
      relation: { type: 'NEAR', max_distance: 0.3 },
      object: { label: 'bicycle', color: null },
      version: null,
      limit: 20,
      cursor: null,
    });
  });

  test('does not submit an invalid form and says why', async () => {
    const wrapper = mount(PatternForm);
    await wrapper.get('[data-testid=subject-label]').setValue('');
    await wrapper.get('[data-testid=max-distance]').setValue('far');
    await wrapper.get('[data-testid=pattern-form]').trigger('submit');
    expect(wrapper.emitted('submit')).toBeUndefined();
    expect(wrapper.get('[data-testid=form-errors]').text()).toMatch(/Subject label is required.*Max distance/s);
  });
});
