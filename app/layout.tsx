import type { Metadata } from "next";
import "./globals.css";
import { getEnv } from "@/lib/env";
import { SimulatorBanner } from "@/components/simulator-banner";

// Every page depends on the session and the runtime settings, so nothing is prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "JIT Access Portal",
  description: "Just-in-time elevation for AWS IAM Identity Center",
  // public/favicon.ico, drawn by scripts/make-favicon.ts; the proxy lets it through without a session.
  icons: { icon: "/favicon.ico" },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  const env = getEnv();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        {env.usingSimulator ? <SimulatorBanner /> : null}
        {children}
      </body>
    </html>
  );
}
