import { mount } from '@vue/test-utils';
import { describe, expect, test } from 'vitest';
import { makeObject } from '@/shared/testing/fakeFetch';
import ObjectOverlay from './ObjectOverlay.vue';

const person = makeObject({ id: 'p'.repeat(32), label: 'person', box: { x_min: 100, y_min: 60, x_max: 300, y_max: 460 } });
const car = makeObject({ id: 'c'.repeat(32), label: 'car', color: { name: 'red', fraction: 0.5 }, box: { x_min: 400, y_min: 300, x_max: 780, y_max: 580 } });

function overlay(props = {}) {
  return mount(ObjectOverlay, {
    props: { objects: [person, car], natural: { width: 800, height: 600 }, displayed: { width: 400, height: 300 }, ...props },
  });
}

const rectOf = (wrapper: ReturnType<typeof overlay>, label: string) => {
  const rect = wrapper.get(`[data-testid=object-box][data-label=${label}] > rect`);
  return ['x', 'y', 'width', 'height'].map((a) => Number(rect.attributes(a)));
};

describe('ObjectOverlay', () => {
  test('draws one box per object, scaled from image pixels to the displayed size', () => {
    const wrapper = overlay();
    expect(wrapper.findAll('[data-testid=object-box]')).toHaveLength(2);
    expect(wrapper.get('svg').attributes('width')).toBe('400');
    expect(rectOf(wrapper, 'person')).toEqual([50, 30, 100, 200]);
    expect(rectOf(wrapper, 'car')).toEqual([200, 150, 190, 140]);
  });

  test('follows a new displayed size', async () => {
    const wrapper = overlay();
    await wrapper.setProps({ displayed: { width: 800, height: 600 } });
    expect(rectOf(wrapper, 'person')).toEqual([100, 60, 200, 400]);
  });

  test('labels each box with label and score, stroked in its colour', () => {
    const wrapper = overlay();
    const box = wrapper.get('[data-testid=object-box][data-label=car]');
    expect(box.get('text').text()).toBe('car 90%');
    expect(box.get('rect').attributes('stroke')).toBe('#f85149');
  });

  test('clicking a box selects its object; the selected one is marked', async () => {
    const wrapper = overlay({ selectedId: person.id });
    expect(wrapper.get('[data-testid=object-box][data-label=person]').classes()).toContain('selected');
    await wrapper.get('[data-testid=object-box][data-label=car]').trigger('click');
    expect(wrapper.emitted('select')).toEqual([[car.id]]);
  });

  test('a non-interactive overlay (thumbnails) emits nothing', async () => {
    const wrapper = overlay({ interactive: false, labels: false });
    await wrapper.get('[data-testid=object-box]').trigger('click');
    expect(wrapper.emitted('select')).toBeUndefined();
    expect(wrapper.find('text').exists()).toBe(false);
  });
});
