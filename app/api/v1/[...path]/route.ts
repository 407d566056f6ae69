// GET/POST /api/v1/<anything else> - an unknown API path answers in the API's error shape, not with the HTML 404 page.
import { AppError } from "@/lib/domain/errors";
import { errorResponse } from "@/lib/api/handle-api";

export const dynamic = "force-dynamic";

const unknownPath = () =>
  errorResponse(
    new AppError("NOT_FOUND", "There is no such API route. The routes are listed at /api/v1/openapi.json."),
  );

export const GET = unknownPath;
export const POST = unknownPath;
