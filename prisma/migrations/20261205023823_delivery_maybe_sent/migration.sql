-- AlterTable
ALTER TABLE "NotificationDelivery" ADD COLUMN     "maybeSent" BOOLEAN NOT NULL DEFAULT false;
