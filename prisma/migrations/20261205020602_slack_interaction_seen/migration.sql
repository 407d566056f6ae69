-- CreateTable
CREATE TABLE "SlackInteractionSeen" (
    "signatureHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SlackInteractionSeen_pkey" PRIMARY KEY ("signatureHash")
);

-- CreateIndex
CREATE INDEX "SlackInteractionSeen_expiresAt_idx" ON "SlackInteractionSeen"("expiresAt");
