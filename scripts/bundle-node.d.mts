export function bundleForNode(entry: string, name?: string): Promise<string>;
