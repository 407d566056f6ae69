-- AlterTable
ALTER TABLE "User" ADD COLUMN     "identityCenterGroups" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "identityCenterGroupsAt" TIMESTAMP(3);
