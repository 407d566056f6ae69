-- CreateEnum
CREATE TYPE "DriftKind" AS ENUM ('MISSING_ASSIGNMENT', 'LINGERING_ASSIGNMENT', 'OUT_OF_BAND_ASSIGNMENT');

-- CreateEnum
CREATE TYPE "DriftStatus" AS ENUM ('OPEN', 'RESOLVED', 'ACCEPTED');

-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'RESOLVED');

-- AlterTable
ALTER TABLE "AssignmentTuple" ADD COLUMN     "standingSource" TEXT;

-- CreateTable
CREATE TABLE "DriftFinding" (
    "id" TEXT NOT NULL,
    "kind" "DriftKind" NOT NULL,
    "status" "DriftStatus" NOT NULL DEFAULT 'OPEN',
    "accountId" TEXT NOT NULL,
    "permissionSetArn" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "grantId" TEXT,
    "detail" TEXT,
    "actionTaken" TEXT,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "resolvedBy" TEXT,

    CONSTRAINT "DriftFinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL DEFAULT 'critical',
    "dedupeKey" TEXT NOT NULL,
    "status" "AlertStatus" NOT NULL DEFAULT 'OPEN',
    "subject" TEXT NOT NULL,
    "detail" JSONB,
    "grantId" TEXT,
    "raisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedById" TEXT,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AwsRateBucket" (
    "name" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "refilledAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AwsRateBucket_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "DriftFinding_status_kind_idx" ON "DriftFinding"("status", "kind");

-- CreateIndex
CREATE INDEX "DriftFinding_accountId_permissionSetArn_principalId_idx" ON "DriftFinding"("accountId", "permissionSetArn", "principalId");

-- CreateIndex
CREATE INDEX "Alert_status_raisedAt_idx" ON "Alert"("status", "raisedAt");

-- CreateIndex
CREATE INDEX "Alert_dedupeKey_status_idx" ON "Alert"("dedupeKey", "status");
