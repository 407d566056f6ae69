-- CreateTable
CREATE TABLE "GroupRequestTarget" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,

    CONSTRAINT "GroupRequestTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupGrant" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL,
    "groupId" TEXT,
    "memberId" TEXT,
    "status" "GrantStatus" NOT NULL DEFAULT 'SCHEDULED',
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "membershipId" TEXT,
    "createIssuedAt" TIMESTAMP(3),
    "createVerifiedAt" TIMESTAMP(3),
    "deleteIssuedAt" TIMESTAMP(3),
    "deleteVerifiedAt" TIMESTAMP(3),
    "keptForOtherGrant" BOOLEAN NOT NULL DEFAULT false,
    "failureReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GroupGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupMembershipPair" (
    "id" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "standing" BOOLEAN NOT NULL DEFAULT false,
    "standingSource" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupMembershipPair_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GroupRequestTarget_groupName_idx" ON "GroupRequestTarget"("groupName");

-- CreateIndex
CREATE UNIQUE INDEX "GroupRequestTarget_requestId_groupName_key" ON "GroupRequestTarget"("requestId", "groupName");

-- CreateIndex
CREATE UNIQUE INDEX "GroupGrant_targetId_key" ON "GroupGrant"("targetId");

-- CreateIndex
CREATE INDEX "GroupGrant_groupId_memberId_status_idx" ON "GroupGrant"("groupId", "memberId", "status");

-- CreateIndex
CREATE INDEX "GroupGrant_status_endsAt_idx" ON "GroupGrant"("status", "endsAt");

-- CreateIndex
CREATE INDEX "GroupGrant_status_startsAt_idx" ON "GroupGrant"("status", "startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "GroupMembershipPair_groupId_memberId_key" ON "GroupMembershipPair"("groupId", "memberId");

-- AddForeignKey
ALTER TABLE "GroupRequestTarget" ADD CONSTRAINT "GroupRequestTarget_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupGrant" ADD CONSTRAINT "GroupGrant_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "AccessRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupGrant" ADD CONSTRAINT "GroupGrant_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "GroupRequestTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupGrant" ADD CONSTRAINT "GroupGrant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
