/** A list's search box: types freely, and the URL (so the query) follows a moment after the last key. */
import { useEffect, useState } from "react";
import { SearchInput } from "../../ui/controls";

export function DebouncedSearch({ value, onChange, label, placeholder }: { value: string; onChange: (v: string) => void; label: string; placeholder?: string }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), 300);
    return () => clearTimeout(t);
    // Only typing restarts the wait; a new onChange each render must not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return <SearchInput value={text} onChange={setText} label={label} placeholder={placeholder} />;
}
