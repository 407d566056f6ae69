-- CreateTable
CREATE TABLE "ScorecardSnapshot" (
    "id" TEXT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL,
    "trigger" TEXT NOT NULL,
    "requestedBy" TEXT,
    "awsCalls" INTEGER,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "ScorecardSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScorecardAccount" (
    "snapshotId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "accountName" TEXT NOT NULL,
    "standingPrivilegedUsers" INTEGER,
    "standingPrivilegedGroups" INTEGER,
    "standingGroupMembers" INTEGER,
    "standingNotMeasured" TEXT,
    "activeKeys" INTEGER,
    "oldKeys" INTEGER,
    "unusedKeys" INTEGER,
    "rootKeys" INTEGER,
    "usersWithoutMfa" INTEGER,
    "credentialsNotMeasured" TEXT,
    "details" JSONB NOT NULL,

    CONSTRAINT "ScorecardAccount_pkey" PRIMARY KEY ("snapshotId","accountId")
);

-- CreateIndex
CREATE INDEX "ScorecardSnapshot_takenAt_idx" ON "ScorecardSnapshot"("takenAt");

-- AddForeignKey
ALTER TABLE "ScorecardAccount" ADD CONSTRAINT "ScorecardAccount_snapshotId_fkey" FOREIGN KEY ("snapshotId") REFERENCES "ScorecardSnapshot"("id") ON DELETE CASCADE ON UPDATE CASCADE;
