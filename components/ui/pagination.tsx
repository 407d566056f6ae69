import Link from "next/link";
import { pageRangeText, type PageInfo } from "@/lib/domain/pagination";
import { buttonClass } from "./button";

/** The same URL with ?page= set (page 1 drops it), every other parameter kept, so a page is a stable link. */
export function pageHref(path: string, params: Record<string, string | undefined>, page: number): string {
  const query = new URLSearchParams(
    Object.entries({ ...params, page: page > 1 ? String(page) : undefined }).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "",
    ),
  ).toString();
  return query ? `${path}?${query}` : path;
}

/** "1–50 of 2,000" with previous and next links; renders nothing but the count when everything fits one page. */
export function Pagination({
  page,
  path,
  params = {},
  label,
  testId = "pagination",
}: {
  page: PageInfo;
  path: string;
  params?: Record<string, string | undefined>;
  /** What the rows are, for the navigation's accessible name ("Allow rules pages"). */
  label: string;
  testId?: string;
}) {
  const link = (target: number, text: string, rel: "prev" | "next") =>
    target >= 1 && target <= page.pageCount && target !== page.page ? (
      <Link
        href={pageHref(path, params, target)}
        rel={rel}
        className={buttonClass("secondary", "sm")}
        data-testid={`${testId}-${rel}`}
      >
        {text}
      </Link>
    ) : (
      <span aria-disabled="true" className={`${buttonClass("secondary", "sm")} cursor-default opacity-60`}>
        {text}
      </span>
    );
  return (
    <nav
      aria-label={`${label} pages`}
      className="flex flex-wrap items-center justify-between gap-2 text-sm text-slate-700 dark:text-slate-300"
      data-testid={testId}
    >
      <p data-testid={`${testId}-range`}>
        {pageRangeText(page)}
        {page.pageCount > 1 ? (
          <span className="text-slate-600 dark:text-slate-400">
            {" "}
            · page {page.page} of {page.pageCount}
          </span>
        ) : null}
      </p>
      {page.pageCount > 1 ? (
        <div className="flex gap-2">
          {link(page.page - 1, "Previous", "prev")}
          {link(page.page + 1, "Next", "next")}
        </div>
      ) : null}
    </nav>
  );
}
