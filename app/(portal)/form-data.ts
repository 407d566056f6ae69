// FormData values arrive as strings or files; the verbs' zod schemas do the real validation.

export function text(formData: FormData, name: string): string | undefined {
  const value = formData.get(name);
  return typeof value === "string" ? value : undefined;
}

export function texts(formData: FormData, name: string): string[] {
  return formData.getAll(name).filter((value): value is string => typeof value === "string");
}

/** A target travels as "accountId|permissionSetArn" (an ARN has no "|"). */
export function targetRefs(formData: FormData, name = "target"): { accountId: string; permissionSetArn: string }[] {
  return texts(formData, name).map((value) => {
    const at = value.indexOf("|");
    return at < 0 ? { accountId: value, permissionSetArn: "" } : { accountId: value.slice(0, at), permissionSetArn: value.slice(at + 1) };
  });
}
