// Being written: the "Add account" view of the popup (URI, key, QR image, Google export import).
export interface AddAccountProps {
  currentTab: { origin: string; realm: string | null } | null;
  onDone: () => void;
}
export function AddAccount(_props: AddAccountProps) {
  return null;
}
