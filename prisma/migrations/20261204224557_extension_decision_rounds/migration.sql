-- CreateEnum
CREATE TYPE "DecisionSubject" AS ENUM ('REQUEST', 'EXTENSION');

-- DropIndex
DROP INDEX "ApprovalDecision_requestId_approverId_key";

-- AlterTable
ALTER TABLE "AccessRequest" ADD COLUMN     "extensionRound" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ApprovalDecision" ADD COLUMN     "kind" "DecisionSubject" NOT NULL DEFAULT 'REQUEST',
ADD COLUMN     "round" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE UNIQUE INDEX "ApprovalDecision_requestId_kind_round_approverId_key" ON "ApprovalDecision"("requestId", "kind", "round", "approverId");
