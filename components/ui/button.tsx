import Link from "next/link";

type Variant = "primary" | "secondary" | "danger" | "ghost";

const VARIANTS: Record<Variant, string> = {
  primary:
    "bg-slate-900 text-white hover:bg-slate-700 disabled:bg-slate-400 dark:bg-sky-300 dark:text-slate-950 dark:hover:bg-sky-200 dark:disabled:bg-slate-700 dark:disabled:text-slate-200",
  secondary:
    "border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 text-slate-800 dark:text-slate-200 hover:bg-slate-50 dark:hover:bg-slate-800 disabled:text-slate-400 dark:disabled:text-slate-400",
  danger:
    "bg-red-700 text-white hover:bg-red-600 disabled:bg-red-300 dark:disabled:bg-red-950 dark:disabled:text-red-300",
  ghost:
    "text-slate-700 dark:text-slate-300 hover:bg-slate-100 dark:hover:bg-slate-800 disabled:text-slate-400 dark:disabled:text-slate-400",
};

export function buttonClass(variant: Variant = "primary", size: "sm" | "md" = "md"): string {
  const sizing = size === "sm" ? "px-2.5 py-1 text-sm" : "px-4 py-2 text-sm";
  return `inline-flex items-center justify-center gap-2 rounded-md font-semibold transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-not-allowed ${sizing} ${VARIANTS[variant]}`;
}

export function Button({
  variant = "primary",
  size = "md",
  className = "",
  ...props
}: React.ComponentProps<"button"> & { variant?: Variant; size?: "sm" | "md" }) {
  return <button type="button" {...props} className={`${buttonClass(variant, size)} ${className}`} />;
}

export function ButtonLink({
  href,
  variant = "primary",
  size = "md",
  children,
  testId,
}: {
  href: string;
  variant?: Variant;
  size?: "sm" | "md";
  children: React.ReactNode;
  testId?: string;
}) {
  return (
    <Link href={href} className={buttonClass(variant, size)} data-testid={testId}>
      {children}
    </Link>
  );
}
