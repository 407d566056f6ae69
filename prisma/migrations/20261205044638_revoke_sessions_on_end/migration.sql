-- AlterTable
ALTER TABLE "RequestTarget" ADD COLUMN     "revokeSessionsOnEnd" BOOLEAN NOT NULL DEFAULT true;
