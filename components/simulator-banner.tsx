export function SimulatorBanner() {
  return (
    <div
      role="status"
      data-testid="simulator-banner"
      className="bg-amber-400 px-4 py-1 text-center text-sm font-semibold text-amber-950"
    >
      Simulated AWS: this portal talks to the local Identity Center simulator, not to a real AWS organization.
    </div>
  );
}
