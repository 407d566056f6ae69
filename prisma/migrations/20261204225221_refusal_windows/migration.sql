-- CreateTable
CREATE TABLE "RefusalWindow" (
    "actorKey" TEXT NOT NULL,
    "verb" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "firstTarget" TEXT,
    "lastTarget" TEXT,
    "lastCode" TEXT NOT NULL,
    "lastReason" TEXT NOT NULL,
    "lastActor" JSONB NOT NULL,

    CONSTRAINT "RefusalWindow_pkey" PRIMARY KEY ("actorKey","verb")
);

-- CreateIndex
CREATE INDEX "RefusalWindow_windowStart_idx" ON "RefusalWindow"("windowStart");
