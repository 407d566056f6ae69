// No width here: callers add w-full or a fixed width, since two width utilities in one class list do not override by order.
export const inputClass =
  "block rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-2 text-sm shadow-sm placeholder:text-slate-500 dark:placeholder:text-slate-400 focus:border-sky-600 dark:focus:border-sky-400 focus:outline-2 focus:outline-offset-1 focus:outline-sky-600 aria-[invalid=true]:border-red-500";

/** A labelled control with its hint and the server's messages for that field right below it. */
export function Field({
  id,
  label,
  hint,
  errors,
  required,
  children,
}: {
  id: string;
  label: string;
  hint?: React.ReactNode;
  errors?: string[];
  required?: boolean;
  children: React.ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
        {label}
        {required ? <span className="text-red-700 dark:text-red-300"> *</span> : null}
      </label>
      {children}
      {hint ? <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p> : null}
      <FieldErrors id={`${id}-error`} errors={errors} />
    </div>
  );
}

export function FieldErrors({ id, errors }: { id?: string; errors?: string[] }) {
  if (!errors || errors.length === 0) return null;
  return (
    <ul id={id} className="space-y-0.5 text-sm text-red-700 dark:text-red-300" data-testid={id}>
      {errors.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}
