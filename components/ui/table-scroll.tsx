/** A wide table scrolls inside its card instead of widening the page; focusable and named so keyboard users can scroll it. */
export function TableScroll({
  label,
  children,
  testId,
  className = "",
}: {
  label: string;
  children: React.ReactNode;
  testId?: string;
  className?: string;
}) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      data-testid={testId}
      className={`relative -mx-5 overflow-x-auto focus-visible:outline-offset-[-2px] ${className}`}
    >
      {children}
    </div>
  );
}
