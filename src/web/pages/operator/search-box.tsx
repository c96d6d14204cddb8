/**
 * A text filter whose value lives in the URL but is written there only once typing pauses, so a
 * list does not refetch on every keystroke. Changes to the URL (back, a shared link) flow in.
 */
import { useEffect, useRef, useState } from "react";
import { Field } from "../../ui/controls";

const PAUSE_MS = 300;

export function SearchBox({
  value,
  onCommit,
  label,
  placeholder,
  error,
  suggestions,
}: {
  value: string;
  onCommit: (v: string) => void;
  label: string;
  placeholder?: string;
  error?: string;
  /** Offered while typing (a datalist); any other text is still accepted. */
  suggestions?: string[];
}) {
  const [text, setText] = useState(value);
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => commit.current(text), PAUSE_MS);
    return () => clearTimeout(t);
    // Only typing starts the timer; a new `value` from the URL replaces the text above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return (
    <Field label={label} error={error}>
      {(id, describedBy) => (
        <>
          <input
            id={id}
            type="search"
            className="search"
            placeholder={placeholder}
            value={text}
            aria-describedby={describedBy}
            aria-invalid={!!error || undefined}
            list={suggestions ? `${id}-list` : undefined}
            onChange={(e) => setText(e.target.value)}
          />
          {suggestions ? (
            <datalist id={`${id}-list`}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ) : null}
        </>
      )}
    </Field>
  );
}
