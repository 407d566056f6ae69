-- CreateTable
CREATE TABLE "InventorySyncRun" (
    "id" TEXT NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "awsCalls" INTEGER NOT NULL,
    "stalePairs" INTEGER NOT NULL,

    CONSTRAINT "InventorySyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconcileListing" (
    "accountId" TEXT NOT NULL,
    "permissionSetArn" TEXT NOT NULL,
    "listedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReconcileListing_pkey" PRIMARY KEY ("accountId","permissionSetArn")
);
