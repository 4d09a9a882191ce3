// Exact decimal text <-> scaled integers, so DECIMAL values never pass through a JS float.

/** "−12.345" at scale 2 -> -1235n (rounded half away from zero, as SQL Server rounds). */
export function decimalTextToScaled(text: string, scale: number): bigint {
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new TypeError(`invalid decimal '${text}'`);
  const negative = m[1] === '-';
  let digits = (m[2] || '0') + (m[3] ?? '');
  let pointShift = (m[3] ?? '').length - Number(m[4] ?? 0); // digits after the decimal point
  if (pointShift < 0) {
    digits += '0'.repeat(-pointShift);
    pointShift = 0;
  }
  let scaled: bigint;
  if (pointShift <= scale) {
    scaled = BigInt(digits) * 10n ** BigInt(scale - pointShift);
  } else {
    const divisor = 10n ** BigInt(pointShift - scale);
    const whole = BigInt(digits);
    scaled = whole / divisor;
    if ((whole % divisor) * 2n >= divisor) scaled += 1n;
  }
  return negative ? -scaled : scaled;
}

/** -1235n at scale 2 -> "-12.35" */
export function scaledToDecimalText(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}
