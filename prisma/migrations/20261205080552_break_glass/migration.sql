-- CreateEnum
CREATE TYPE "BreakGlassSource" AS ENUM ('PORTAL', 'OFFLINE');

-- CreateEnum
CREATE TYPE "BreakGlassReview" AS ENUM ('PENDING', 'JUSTIFIED', 'NOT_JUSTIFIED');

-- AlterTable
ALTER TABLE "AccessRequest" ADD COLUMN     "breakGlass" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "BreakGlassUse" (
    "id" TEXT NOT NULL,
    "source" "BreakGlassSource" NOT NULL DEFAULT 'PORTAL',
    "requestId" TEXT,
    "driftFindingId" TEXT,
    "userId" TEXT,
    "principalId" TEXT,
    "accountId" TEXT NOT NULL,
    "permissionSetArn" TEXT NOT NULL,
    "incident" TEXT,
    "usedAt" TIMESTAMP(3) NOT NULL,
    "review" "BreakGlassReview" NOT NULL DEFAULT 'PENDING',
    "reviewerId" TEXT,
    "reviewComment" TEXT,
    "reviewedAt" TIMESTAMP(3),

    CONSTRAINT "BreakGlassUse_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BreakGlassUse_requestId_key" ON "BreakGlassUse"("requestId");

-- CreateIndex
CREATE UNIQUE INDEX "BreakGlassUse_driftFindingId_key" ON "BreakGlassUse"("driftFindingId");

-- CreateIndex
CREATE INDEX "BreakGlassUse_review_usedAt_idx" ON "BreakGlassUse"("review", "usedAt");

-- CreateIndex
CREATE INDEX "BreakGlassUse_usedAt_idx" ON "BreakGlassUse"("usedAt");

-- AddForeignKey
ALTER TABLE "BreakGlassUse" ADD CONSTRAINT "BreakGlassUse_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE SET NULL ON UPDATE CASCADE;
