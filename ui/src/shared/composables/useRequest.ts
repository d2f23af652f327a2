//! Loads data for a reactive key, cancelling the previous request when the key changes.
import { onScopeDispose, ref, shallowRef, watch, type Ref, type WatchSource } from 'vue';
import { describeError } from '@/shared/http/errors';

export interface RequestState<T> {
  data: Ref<T | undefined>;
  error: Ref<string | undefined>;
  loading: Ref<boolean>;
  reload: () => void;
}

/** Runs `load(key)` whenever `key` changes; an `undefined` key clears the state without loading. */
export function useRequest<K, T>(
  key: WatchSource<K | undefined>,
  load: (key: K, signal: AbortSignal) => Promise<T>,
): RequestState<T> {
  const data = shallowRef<T>();
  const error = ref<string>();
  const loading = ref(false);
  let controller: AbortController | undefined;
  let lastKey: K | undefined;

  const run = async (k: K | undefined) => {
    controller?.abort();
    controller = undefined;
    lastKey = k;
    data.value = undefined;
    error.value = undefined;
    if (k === undefined || k === null || k === '') {
      loading.value = false;
      return;
    }
    const mine = new AbortController();
    controller = mine;
    loading.value = true;
    try {
      const result = await load(k, mine.signal);
      if (!mine.signal.aborted) data.value = result;
    } catch (err) {
      if (!mine.signal.aborted) error.value = describeError(err);
    } finally {
      if (controller === mine) loading.value = false;
    }
  };

  watch(key, (k) => void run(k), { immediate: true });
  onScopeDispose(() => controller?.abort());
  return { data: data as Ref<T | undefined>, error, loading, reload: () => void run(lastKey) };
}
