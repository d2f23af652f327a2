//! The admin token of the versions view: kept in memory for this page only (never in storage,
//! the URL or a log), so reloading the page forgets it.
import { readonly, ref } from 'vue';

const token = ref<string>();

export function useAdminToken() {
  return {
    token: readonly(token),
    /** Keeps a token (trimmed); an empty one clears it. */
    set(value: string) {
      const t = value.trim();
      token.value = t === '' ? undefined : t;
    },
    clear() {
      token.value = undefined;
    },
  };
}
