-- CreateTable
CREATE TABLE "InventoryAssignment" (
    "accountId" TEXT NOT NULL,
    "permissionSetArn" TEXT NOT NULL,
    "principalType" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "principalName" TEXT,
    "memberCount" INTEGER,
    "syncedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InventoryAssignment_pkey" PRIMARY KEY ("accountId","permissionSetArn","principalType","principalId")
);

-- CreateTable
CREATE TABLE "InventoryProvisioning" (
    "permissionSetArn" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "current" BOOLEAN NOT NULL,
    "assignmentsSyncedAt" TIMESTAMP(3),
    "syncedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InventoryProvisioning_pkey" PRIMARY KEY ("permissionSetArn","accountId")
);

-- CreateIndex
CREATE INDEX "InventoryAssignment_permissionSetArn_accountId_idx" ON "InventoryAssignment"("permissionSetArn", "accountId");
