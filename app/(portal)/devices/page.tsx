import { Card, EmptyState } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { listSignedInDevices } from "@/lib/services/queries/signed-in-devices";
import { RevokeDeviceForm } from "../device/device-forms";
import { pageContext } from "../page-context";

export const metadata = { title: "Signed-in devices" };

// Every `jit login` that still holds a token: its owner (or an admin) signs it out here.
export default async function DevicesPage() {
  const ctx = await pageContext();
  const { devices, everyone } = await listSignedInDevices({ ctx });
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Signed-in devices</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          {everyone ? "Every device" : "Devices"} signed in with <code>jit login</code>. A device keeps its sign-in
          until it expires or is revoked here; revoking takes effect on its next call.
        </p>
      </div>
      <Card testId="devices">
        {devices.length === 0 ? (
          <EmptyState>No device is signed in{everyone ? "" : " as you"}.</EmptyState>
        ) : (
          <TableScroll label="Signed-in devices">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                <tr>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Device
                  </th>
                  {everyone ? (
                    <th scope="col" className="px-5 py-2 font-semibold">
                      Person
                    </th>
                  ) : null}
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Signed in
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Last used
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Expires
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    <span className="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {devices.map((device) => (
                  <tr key={device.id} data-testid="device-row">
                    <th scope="row" className="px-5 py-3 font-semibold break-all">
                      {device.deviceName}
                    </th>
                    {everyone ? (
                      <td className="px-5 py-3 break-all">
                        {device.owner.email ?? device.owner.name}
                        {device.mine ? " (you)" : ""}
                      </td>
                    ) : null}
                    <td className="px-5 py-3 whitespace-nowrap">
                      <LocalTime iso={device.createdAt.toISOString()} />
                    </td>
                    <td className="px-5 py-3 whitespace-nowrap">
                      {device.lastUsedAt ? <LocalTime iso={device.lastUsedAt.toISOString()} /> : "never"}
                    </td>
                    <td className="px-5 py-3 whitespace-nowrap">
                      <LocalTime iso={device.expiresAt.toISOString()} />
                    </td>
                    <td className="px-5 py-3">
                      <RevokeDeviceForm tokenId={device.id} label={`Revoke ${device.deviceName}`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Card>
    </div>
  );
}
