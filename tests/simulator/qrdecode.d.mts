export type JsQr = (data: Uint8ClampedArray, width: number, height: number) => {
    data: string;
} | null;
/**
 * @param {string} dataUrl `data:image/png;base64,<b64>` with or without the space after the comma
 * @returns {{width: number, height: number, text: string|null}}
 */
export declare function decodeQrDataUrl(dataUrl: string): {
    width: number;
    height: number;
    text: string | null;
};
