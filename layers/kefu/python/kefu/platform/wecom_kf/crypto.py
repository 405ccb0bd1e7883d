"""WeCom's callback encryption (企业微信 回调加解密), as its published scheme describes it.

- ``msg_signature`` = hex SHA1 of the concatenation of the sorted strings token, timestamp, nonce, encrypted;
- the AES key is the 43-character EncodingAESKey plus "=", base64-decoded (32 bytes); AES-256-CBC with the
  key's first 16 bytes as the IV; PKCS#7 padding to a 32-byte block;
- plaintext = 16 random bytes + the message's length (4 bytes, network order) + the message + the receive id
  (the CorpID).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
ENCODING_AES_KEY_CHARS = 43


class CryptoError(ValueError):
    """The ciphertext cannot be read: not base64, not a whole number of blocks, bad padding or length."""


class ReceiverMismatch(CryptoError):
    """The plaintext was encrypted for another CorpID."""


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != ENCODING_AES_KEY_CHARS:
        raise ValueError(f"an EncodingAESKey has {ENCODING_AES_KEY_CHARS} characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("the EncodingAESKey is not base64") from None
    if len(key) != 32:
        raise ValueError("the EncodingAESKey does not decode to 32 bytes")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


class WecomCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.receive_id = receive_id
        self._key = aes_key(encoding_aes_key)

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self.token, timestamp, nonce, encrypted)

    def check(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        expected = self.sign(timestamp, nonce, encrypted)
        return hmac.compare_digest(msg_signature.strip().lower().encode(), expected.encode())

    def encrypt(self, message: bytes, random16: bytes | None = None) -> str:
        random16 = os.urandom(16) if random16 is None else random16
        plain = random16 + struct.pack(">I", len(message)) + message + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> bytes:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoError("message length past the end")
        if plain[20 + length:] != self.receive_id.encode():
            raise ReceiverMismatch("encrypted for another receiver")
        return plain[20:20 + length]
