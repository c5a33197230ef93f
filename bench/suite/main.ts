export async function runSuiteCli(_args: string[]): Promise<number> {
  return 0
}
