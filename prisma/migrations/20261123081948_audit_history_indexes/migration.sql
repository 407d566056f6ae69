-- CreateIndex
CREATE INDEX "AccessRequest_createdAt_id_idx" ON "AccessRequest"("createdAt", "id");

-- CreateIndex
CREATE INDEX "AccessRequest_status_createdAt_id_idx" ON "AccessRequest"("status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "RequestTarget_accountId_idx" ON "RequestTarget"("accountId");

-- CreateIndex
CREATE INDEX "RequestTarget_permissionSetArn_idx" ON "RequestTarget"("permissionSetArn");

-- CreateIndex
CREATE INDEX "ApprovalDecision_approverId_idx" ON "ApprovalDecision"("approverId");

-- Substring search over justification and ticket (ILIKE '%term%') uses trigram indexes instead of reading every request.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS "AccessRequest_justification_trgm_idx" ON "AccessRequest" USING gin ("justification" gin_trgm_ops);
CREATE INDEX IF NOT EXISTS "AccessRequest_ticket_trgm_idx" ON "AccessRequest" USING gin ("ticket" gin_trgm_ops);

