-- CreateEnum
CREATE TYPE "SessionRevocationStatus" AS ENUM ('PENDING', 'APPLIED', 'VERIFIED', 'CLEANED', 'FAILED');

-- CreateTable
CREATE TABLE "SessionRevocation" (
    "id" TEXT NOT NULL,
    "grantId" TEXT,
    "permissionSetArn" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "identityStoreUserId" TEXT,
    "cutoff" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "status" "SessionRevocationStatus" NOT NULL DEFAULT 'PENDING',
    "provisionRequestId" TEXT,
    "cleanupRequestId" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "appliedAt" TIMESTAMP(3),
    "verifiedAt" TIMESTAMP(3),
    "cleanedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SessionRevocation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SessionRevocation_grantId_idx" ON "SessionRevocation"("grantId");

-- CreateIndex
CREATE INDEX "SessionRevocation_permissionSetArn_status_idx" ON "SessionRevocation"("permissionSetArn", "status");

-- CreateIndex
CREATE INDEX "SessionRevocation_status_expiresAt_idx" ON "SessionRevocation"("status", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "SessionRevocation_permissionSetArn_accountId_identityStoreU_key" ON "SessionRevocation"("permissionSetArn", "accountId", "identityStoreUserId", "cutoff");
