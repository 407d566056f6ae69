-- AlterTable
ALTER TABLE "Policy" ADD COLUMN     "version" SERIAL NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Policy_version_key" ON "Policy"("version");
