// FormData values arrive as strings or files; the verbs' zod schemas do the real validation.
// A replayed action can send anything instead of FormData: read nothing from it (runAction then refuses it as unreadable).

function isForm(formData: unknown): formData is FormData {
  return formData instanceof FormData;
}

export function text(formData: FormData, name: string): string | undefined {
  if (!isForm(formData)) return undefined;
  const value = formData.get(name);
  return typeof value === "string" ? value : undefined;
}

export function texts(formData: FormData, name: string): string[] {
  if (!isForm(formData)) return [];
  return formData.getAll(name).filter((value): value is string => typeof value === "string");
}

/** A target travels as "accountId|permissionSetArn" (an ARN has no "|"). */
export function targetRefs(formData: FormData, name = "target"): { accountId: string; permissionSetArn: string }[] {
  return texts(formData, name).map((value) => {
    const at = value.indexOf("|");
    return at < 0
      ? { accountId: value, permissionSetArn: "" }
      : { accountId: value.slice(0, at), permissionSetArn: value.slice(at + 1) };
  });
}
