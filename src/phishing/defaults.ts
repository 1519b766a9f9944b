// Default lists for the phishing analyser. Each is a config default (phishing.* in vigil.yaml), so
// an organisation can replace any of them; docs/phishing.md describes them and points here. They
// are deliberately short and generic: widely documented phishing traits, not fitted to any corpus.

/** A brand phishers imitate: the words that name it and the domains that really belong to it. */
export interface BrandDef {
  name: string;
  /** Registrable domains the brand sends from and links to. Country-code variants of the first label (amazon.de) count too. */
  domains: string[];
  /** Whole words (lower case) that name the brand in a display name, subject or body. Default: the name. */
  words?: string[];
  /** Label fragments (≥ 4 letters) that name the brand inside a domain (paypal-secure.com). Default: none. */
  fragments?: string[];
}

/** Commonly impersonated brands (APWG / vendor brand-impersonation reports, 2022–2024). */
export const DEFAULT_BRANDS: BrandDef[] = [
  { name: 'Microsoft', domains: ['microsoft.com', 'office.com', 'office365.com', 'outlook.com', 'live.com', 'hotmail.com', 'microsoftonline.com', 'sharepoint.com', 'onedrive.com', 'msn.com', 'azure.com', 'windows.com', 'bing.com', 'skype.com', 'xbox.com', 'microsoft365.com', 'cloud.microsoft', 'msft.net'], words: ['microsoft', 'office 365', 'office365', 'microsoft 365', 'outlook', 'onedrive', 'sharepoint'], fragments: ['microsoft', 'office365', 'onedrive', 'sharepoint'] },
  { name: 'Google', domains: ['google.com', 'gmail.com', 'googlemail.com', 'youtube.com', 'googleusercontent.com', 'googleapis.com', 'withgoogle.com', 'gstatic.com', 'google.dev', 'goo.gl', 'forms.gle', 'g.co'], words: ['google', 'gmail', 'google drive', 'google docs'], fragments: ['google', 'gmail'] },
  { name: 'Apple', domains: ['apple.com', 'icloud.com', 'me.com', 'mac.com', 'itunes.com', 'apple.news', 'apps.apple.com'], words: ['apple', 'icloud', 'apple id', 'itunes'], fragments: ['icloud', 'appleid', 'itunes'] },
  { name: 'Amazon', domains: ['amazon.com', 'amazonaws.com', 'amazonses.com', 'a2z.com', 'amazon.jobs', 'primevideo.com', 'media-amazon.com', 'ssl-images-amazon.com', 'awstrack.me'], words: ['amazon', 'amazon prime', 'prime video', 'aws'], fragments: ['amazon'] },
  { name: 'PayPal', domains: ['paypal.com', 'paypal.me', 'paypalobjects.com', 'paypal-communication.com', 'xoom.com'], words: ['paypal'], fragments: ['paypal'] },
  { name: 'Netflix', domains: ['netflix.com', 'nflxext.com', 'nflximg.net', 'nflxso.net'], words: ['netflix'], fragments: ['netflix'] },
  { name: 'Facebook', domains: ['facebook.com', 'facebookmail.com', 'fb.com', 'meta.com', 'metamail.com', 'fbcdn.net'], words: ['facebook', 'meta business', 'meta support'], fragments: ['facebook'] },
  { name: 'Instagram', domains: ['instagram.com', 'cdninstagram.com', 'facebookmail.com', 'mail.instagram.com'], words: ['instagram'], fragments: ['instagram'] },
  { name: 'WhatsApp', domains: ['whatsapp.com', 'whatsapp.net', 'wa.me'], words: ['whatsapp'], fragments: ['whatsapp'] },
  { name: 'LinkedIn', domains: ['linkedin.com', 'licdn.com', 'lnkd.in'], words: ['linkedin'], fragments: ['linkedin'] },
  { name: 'DHL', domains: ['dhl.com', 'dhl.de', 'dpdhl.com', 'deutschepost.de', 'dhl-news.com'], words: ['dhl', 'dhl express', 'dhl paket'], fragments: [] },
  { name: 'FedEx', domains: ['fedex.com'], words: ['fedex'], fragments: ['fedex'] },
  { name: 'UPS', domains: ['ups.com'], words: ['ups delivery', 'ups express', 'united parcel service'], fragments: [] },
  { name: 'USPS', domains: ['usps.com', 'usps.gov'], words: ['usps', 'postal service'], fragments: ['usps'] },
  { name: 'DocuSign', domains: ['docusign.com', 'docusign.net'], words: ['docusign'], fragments: ['docusign'] },
  { name: 'Dropbox', domains: ['dropbox.com', 'dropboxmail.com', 'dropboxusercontent.com'], words: ['dropbox'], fragments: ['dropbox'] },
  { name: 'Adobe', domains: ['adobe.com', 'adobesign.com', 'echosign.com', 'adobecc.com', 'adobe.io'], words: ['adobe', 'adobe sign', 'acrobat'], fragments: ['adobe'] },
  { name: 'Norton', domains: ['norton.com', 'nortonlifelock.com', 'gendigital.com'], words: ['norton', 'norton antivirus', 'norton 360'], fragments: ['norton'] },
  { name: 'McAfee', domains: ['mcafee.com'], words: ['mcafee'], fragments: ['mcafee'] },
  { name: 'Coinbase', domains: ['coinbase.com'], words: ['coinbase'], fragments: ['coinbase'] },
  { name: 'Binance', domains: ['binance.com', 'binance.us', 'binance.info'], words: ['binance'], fragments: ['binance'] },
  { name: 'MetaMask', domains: ['metamask.io', 'consensys.net', 'consensys.io'], words: ['metamask'], fragments: ['metamask'] },
  { name: 'Ledger', domains: ['ledger.com', 'ledgerwallet.com'], words: ['ledger', 'ledger live'], fragments: ['ledgerwallet', 'ledgerlive'] },
  { name: 'Trust Wallet', domains: ['trustwallet.com'], words: ['trust wallet', 'trustwallet'], fragments: ['trustwallet', 'trust-wallet'] },
  { name: 'Wells Fargo', domains: ['wellsfargo.com', 'wf.com'], words: ['wells fargo'], fragments: ['wellsfargo'] },
  { name: 'Bank of America', domains: ['bankofamerica.com', 'bofa.com', 'ml.com'], words: ['bank of america'], fragments: ['bankofamerica'] },
  { name: 'Chase', domains: ['chase.com', 'jpmorgan.com', 'jpmorganchase.com'], words: ['chase bank', 'jpmorgan chase', 'jp morgan chase'], fragments: ['jpmorgan'] },
  { name: 'American Express', domains: ['americanexpress.com', 'aexp.com', 'amex.com'], words: ['american express', 'amex'], fragments: ['americanexpress'] },
  { name: 'eBay', domains: ['ebay.com'], words: ['ebay'], fragments: [] },
  { name: 'Walmart', domains: ['walmart.com'], words: ['walmart'], fragments: ['walmart'] },
  { name: 'Spotify', domains: ['spotify.com', 'scdn.co'], words: ['spotify'], fragments: ['spotify'] },
  { name: 'Booking.com', domains: ['booking.com', 'bstatic.com'], words: ['booking.com'], fragments: [] },
];

/**
 * Lure wording. Matched as whole words, case-insensitively, after Unicode NFKC folding (so
 * mathematical-bold subject lines match too), in the subject and the visible body text. Short,
 * generic phrases in English plus the same ideas in a few other common phishing languages.
 */
export const DEFAULT_LURES = {
  urgency: [
    'urgent', 'urgently', 'immediately', 'act now', 'action required', 'immediate action', 'respond immediately',
    'within 24 hours', 'within 48 hours', 'final notice', 'last notice', 'final warning', 'last warning', 'final reminder',
    'account suspended', 'account will be suspended', 'account has been suspended', 'suspension', 'will be closed', 'will be deleted',
    'will be terminated', 'has been locked', 'has been blocked', 'temporarily blocked', 'unusual activity', 'unusual sign-in',
    'unauthorized access', 'security alert', 'failure to', 'avoid suspension', 'expires today', 'has expired', 'overdue',
    'unauthorized', 'compromised', 'data breach', 'security breach', 'suspicious activity', 'suspicious login', 'new sign-in',
    'will be restricted', 'restricted', 'outdated', "didn't request this", "if this wasn't you", 'last chance', 'limited time',
    // de / nl / fr / es / pt
    'dringend', 'sofort', 'gesperrt', 'letzte mahnung', 'letzte erinnerung', 'läuft ab', 'abgelaufen', 'verdächtige aktivität', 'eingeschränkt',
    'onmiddellijk', 'geblokkeerd', 'laatste herinnering', 'verloopt',
    'immédiatement', 'suspendu', 'bloqué', 'dernier avis', 'dernier rappel',
    'inmediatamente', 'suspendida', 'bloqueada', 'último aviso', 'urgente', 'acción requerida',
    'imediatamente', 'bloqueado', 'suspensão', 'suspenso', 'pendente', 'alerta', 'ação necessária', 'atividade suspeita', 'novo acesso',
    'aktion erforderlich', 'handlung erforderlich', 'action requise', 'actie vereist',
    'confirmation required', 'verification required', 'bestätigung erforderlich', 'verifizierung erforderlich', 'bevestiging vereist',
    'confirmation requise', 'confirmación requerida', 'confirmação necessária',
  ],
  credential: [
    'verify your account', 'verify your identity', 'verify your email', 'confirm your account', 'confirm your identity',
    'confirm your password', 'update your password', 'reset your password', 'password expires', 'password will expire',
    'validate your account', 'update your account', 'update your payment', 'update your billing', 'payment method',
    'billing information', 'sign in to your account', 'log in to your account', 'login to your account', 're-enter your',
    'mailbox is full', 'mailbox quota', 'storage is full', 'keep your password', 'keep the same password', 'recovery phrase',
    'seed phrase', 'secret phrase', 'verify your wallet', 'wallet verification', 'unlock your account', 'restore your account',
    'verify your details', 'confirm your details', 'update your details', 'review and sign', 'view document', 'review document',
    'shared a document', 'shared a file', 'sent you a document', 'document has been shared', 'secure message', 'new voicemail',
    'voice message',
    // de / nl / fr / es / pt
    'bestätigen sie ihre', 'konto verifizieren', 'verifizieren', 'anmeldedaten', 'zahlungsmethode', 'zugangsdaten', 'passwort',
    'bevestig uw', 'verifieer uw', 'verifiëren', 'betaalmethode', 'wachtwoord',
    'vérifiez votre compte', 'vérifier', 'mot de passe', 'confirmez vos informations',
    'verifique su cuenta', 'verificar', 'contraseña', 'confirme sus datos',
    'verifique sua conta', 'confirme seus dados', 'atualize seus dados', 'acesse sua conta', 'desbloqueie', 'senha',
  ],
  payment: [
    'payment required', 'pay now', 'outstanding balance', 'outstanding payment', 'unpaid', 'invoice overdue', 'customs fee',
    'delivery fee', 'shipping fee', 'import tax', 'import fee', 'your package', 'your parcel', 'your shipment', 'held at customs',
    'redelivery', 'reschedule delivery',
    'wire transfer', 'bank transfer', 'refund',
    // de / nl / fr / es / pt
    'zahlung erforderlich', 'jetzt bezahlen', 'zollgebühr', 'ihr paket', 'ihre sendung',
    'betaling vereist', 'nu betalen', 'uw pakket', 'douanekosten', 'openstaande betaling',
    'paiement requis', 'payer maintenant', 'votre colis', 'frais de douane', 'remboursement',
    'pago pendiente', 'pagar ahora', 'su paquete', 'tasa de aduana', 'reembolso',
    'pagamento pendente', 'pagar agora', 'sua encomenda', 'taxa de importação', 'mercadoria retida',
  ],
  reward: [
    'you have won', "you've won", 'you won', 'winner', 'congratulations', 'claim your', 'claim now', 'free gift', 'gift card',
    'reward', 'prize', 'airdrop', 'lottery', 'inheritance', 'cash prize', 'selected to receive', 'free spins',
    'you have been selected', "you've been selected", 'jackpot', 'casino', 'giveaway', 'sweepstakes',
    'you may be eligible', 'you are eligible',
    // de / nl / fr / es / pt
    'gewonnen', 'gewinner', 'gutschein', 'prämie', 'freispiele', 'belohnung', 'sie wurden ausgewählt',
    'winnaar', 'gefeliciteerd', 'beloning',
    'vous avez gagné', 'gagnant', 'félicitations', 'récompense',
    'ha ganado', 'ganador', 'premio', 'felicidades',
    'ganhou', 'ganhador', 'prêmio', 'parabéns', 'recompensa', 'brinde',
  ],
  // Advance-fee ("419") wording: a stranger's fortune — an inheritance, a dead client's deposit, a
  // sick widow's donation fund — that needs the reader's help to move, and a reply to start with.
  advanceFee: [
    'next of kin', 'beneficiary', 'deceased', 'inheritance', 'unclaimed', 'compensation fund', 'my late husband', 'my late wife',
    'my late father', 'my late client', 'widow', 'orphan', 'orphanage', 'donation fund', 'charity fund', 'fund transfer',
    'transfer the funds', 'transfer of the funds', 'business proposal', 'strictly confidential', 'foreign partner', 'barrister',
    'diplomatic courier', 'consignment box', 'repatriate', 'dormant account', 'terminally ill', 'million dollars',
    'million us dollars', 'millions of dollars',
    // de / nl / fr / es / pt
    'nächster angehöriger', 'nächsten angehörigen', 'begünstigter', 'verstorbenen', 'erbschaft', 'nachlass', 'witwe', 'waisen',
    'geschäftsvorschlag', 'streng vertraulich', 'millionen dollar',
    'naaste familielid', 'begunstigde', 'erfenis', 'weduwe', 'weeskinderen', 'miljoen dollar',
    'plus proche parent', 'bénéficiaire', 'défunt', 'héritage', 'veuve', 'orphelins', 'strictement confidentiel', 'millions de dollars',
    'pariente más cercano', 'beneficiario', 'fallecido', 'herencia', 'viuda', 'huérfanos', 'estrictamente confidencial', 'millones de dólares',
    'parente mais próximo', 'beneficiário', 'falecido', 'herança', 'viúva', 'órfãos', 'fundo de donativos', 'repatriar',
    'estritamente confidencial', 'milhões de dólares',
  ],
  // Business e-mail compromise: a "manager" who needs a quiet favour, gift cards, a changed account.
  bec: [
    'are you available', 'are you at your desk', 'quick favor', 'quick favour', 'i need a favor', 'i need a favour',
    'i need you to', 'need your help', 'kindly get back', 'kindly reply', 'get back to me', 'discreet', 'keep this confidential',
    'in a meeting', 'gift cards', 'itunes cards', 'google play cards', 'scratch the back', 'send me the codes',
    'change of bank details', 'changed our bank', 'new bank details', 'new banking details', 'update the bank details',
    'updated bank account', 'new account details', 'cell phone number', 'text me', 'whatsapp number',
    'bist du verfügbar', 'neue bankverbindung', 'geänderte bankverbindung', 'êtes-vous disponible', 'nouvelles coordonnées bancaires',
    'está disponible', 'nuevos datos bancarios', 'está disponível', 'novos dados bancários',
  ],
  // Invoice and remittance lures: a document about money to open, often the attachment itself.
  invoice: [
    'invoice', 'attached invoice', 'invoice attached', 'payment advice', 'remittance advice', 'remittance', 'proof of payment',
    'payment confirmation', 'purchase order', 'proforma', 'pro forma', 'swift copy', 'swift message', 'bank slip', 'receipt attached',
    'statement of account', 'account statement', 'quotation', 'request for quotation', 'bill of lading', 'shipping documents',
    'rechnung', 'zahlungsavis', 'bestellung', 'factuur', 'betalingsbewijs', 'facture', 'bon de commande', 'avis de paiement',
    'factura', 'comprobante de pago', 'orden de compra', 'fatura', 'comprovante de pagamento', 'boleto', 'nota fiscal', 'pedido de compra',
  ],
  // Payroll and HR lures: salary, direct deposit, tax forms, benefits.
  payroll: [
    'payroll', 'direct deposit', 'salary', 'paycheck', 'pay slip', 'payslip', 'pay stub', 'w-2', 'w2 form', 'tax form',
    'bonus payment', 'salary increase', 'salary adjustment', 'compensation review', 'benefits enrollment', 'open enrollment',
    'employee handbook', 'hr department', 'human resources', 'annual leave', 'performance review',
    'gehaltsabrechnung', 'lohnabrechnung', 'gehaltserhöhung', 'loonstrook', 'salaris', 'fiche de paie', 'bulletin de salaire',
    'nómina', 'nomina', 'recibo de sueldo', 'holerite', 'contracheque', 'folha de pagamento',
  ],
};

/**
 * Word classes the model reads beside the lures (docs/phishing.md, "Model"): not findings of their
 * own, and not configurable, since the fitted weights are about these lists as they are.
 */
export const MODEL_LEXICONS = {
  // Bulk and marketing mail: how a sender that wants to be allowed to keep sending writes.
  marketing: [
    'unsubscribe', 'opt out', 'opt-out', 'to be removed', 'remove me', 'removal', 'mailing list', 'newsletter', 'special offer',
    'limited offer', 'order now', 'buy now', 'free shipping', 'lowest price', 'save up to', 'discount', 'subscribe', 'subscription',
    'privacy policy', 'manage preferences', 'email preferences', 'view in browser', 'view this email', 'you are receiving this',
    "you're receiving this", 'abmelden', 'newsletter abbestellen', 'désabonner', 'se désinscrire', 'darse de baja', 'descadastrar',
    'cancelar inscrição', 'uitschrijven', 'afmelden',
  ],
  // Calls to act on a link or button.
  action: [
    'click here', 'click below', 'click the link', 'click the button', 'click on the link', 'follow the link', 'tap here',
    'sign in', 'log in', 'login', 'access your account', 'open the document', 'download', 'view now', 'review now', 'confirm now',
    'verify now', 'update now', 'hier klicken', 'klicken sie', 'anmelden', 'klik hier', 'cliquez ici', 'haga clic', 'clique aqui',
    'acessar', 'acesse',
  ],
  // Greetings that do not know the reader's name.
  greeting: [
    'dear customer', 'dear user', 'dear client', 'dear member', 'dear account holder', 'dear valued', 'dear sir', 'dear madam',
    'dear friend', 'dear beneficiary', 'hello dear', 'dear email user', 'dear recipient', 'dear colleague', 'dear employee',
    'dear staff', 'sehr geehrter kunde', 'sehr geehrte kundin', 'lieber kunde', 'beste klant', 'cher client', 'chère cliente',
    'estimado cliente', 'prezado cliente', 'caro cliente',
  ],
  // Security and account words (what a credential lure is about, whatever its phrasing).
  account: [
    'account', 'password', 'security', 'verify', 'verification', 'confirm', 'suspended', 'locked', 'mailbox', 'credentials',
    'authentication', 'wallet', 'konto', 'passwort', 'sicherheit', 'compte', 'sécurité', 'cuenta', 'seguridad', 'conta',
    'segurança', 'rekening', 'beveiliging',
  ],
};
export type ModelLexicon = keyof typeof MODEL_LEXICONS;

/** URL shorteners: the real destination is one redirect away. */
export const DEFAULT_SHORTENERS = [
  'bit.ly', 'bitly.com', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'v.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly',
  'shorturl.at', 'rb.gy', 't.ly', 'tiny.cc', 'bit.do', 's.id', 'qrco.de', 'shorte.st', 'adf.ly', 'bl.ink', 'clck.ru',
  'x.co', 'surl.li', 'u.to', 'urlz.fr', 'tiny.one', 'shorturl.ae', 'lnkd.in', 'trib.al', 'snip.ly', 'short.gy', 'han.gl',
];

/** Free mailbox providers: anyone can open an account, so a "company" replying from one is a tell. */
export const DEFAULT_FREEMAIL = [
  'gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'aol.com',
  'icloud.com', 'me.com', 'mail.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'yandex.ru', 'yandex.com', 'mail.ru',
  'protonmail.com', 'proton.me', 'zoho.com', 'qq.com', '163.com', '126.com', 'sina.com', 'tutanota.com', 'hushmail.com',
  'rediffmail.com', 'libero.it', 'laposte.net', 'orange.fr', 't-online.de', 'bol.com.br', 'uol.com.br', 'inbox.com',
];

/** Free hosting, form and file services phishing pages are often put on (matched on the host name). */
export const DEFAULT_ABUSED_HOSTING = [
  'firebaseapp.com', 'web.app', 'appspot.com', 'pages.dev', 'workers.dev', 'github.io', 'gitlab.io', 'netlify.app',
  'vercel.app', 'herokuapp.com', 'glitch.me', 'repl.co', 'weebly.com', 'wixsite.com', 'blogspot.com', 'sites.google.com',
  'forms.gle', 'docs.google.com', 'storage.googleapis.com', 'firebasestorage.googleapis.com', '000webhostapp.com',
  'ipfs.io', 'dweb.link', 'r2.dev', 'azurewebsites.net', 'blob.core.windows.net', 'web.core.windows.net', 's3.amazonaws.com',
  'jotform.com', 'ngrok.io', 'ngrok-free.app', 'trycloudflare.com', 'surge.sh', 'godaddysites.com', 'square.site',
  'mystrikingly.com', 'webflow.io', 'canva.site', 'notion.site', 'typedream.app', 'backblazeb2.com', 'linktr.ee',
  'run.app', 'cloudfunctions.net', 'firebasestorage.app', 'onrender.com', 'fly.dev', 'replit.app', 'replit.dev', 'azurestaticapps.net',
  'amplifyapp.com', 'framer.app', 'framer.website',
];

/** TLDs that rank high in abuse statistics (Spamhaus, Interisle); a weak signal on its own. */
export const DEFAULT_SUSPICIOUS_TLDS = [
  'xyz', 'top', 'click', 'work', 'support', 'icu', 'buzz', 'rest', 'cyou', 'monster', 'sbs', 'beauty', 'cfd', 'bond',
  'quest', 'lol', 'mom', 'zip', 'mov', 'tk', 'ml', 'ga', 'cf', 'gq', 'country', 'kim', 'gdn', 'loan', 'win', 'bid',
  'review', 'date', 'racing', 'stream', 'download', 'men', 'party', 'trade', 'webcam', 'science', 'accountant', 'cricket',
  'faith', 'fit', 'life', 'live', 'online', 'site', 'shop', 'store', 'fun', 'space', 'pw', 'cam', 'today',
];

/**
 * Words a sender's display name shares with many unrelated senders ("Customer Service", "Billing
 * Team", "Weekly Deals"): they say nothing about which organisation is speaking, so the check that a
 * display name's organisation appears somewhere in the sending domains ignores them.
 */
export const GENERIC_NAME_WORDS = new Set([
  'team', 'support', 'service', 'services', 'customer', 'customers', 'care', 'info', 'information', 'news', 'newsletter',
  'notification', 'notifications', 'notice', 'notices', 'alert', 'alerts', 'account', 'accounts', 'admin', 'administrator',
  'administration', 'mail', 'email', 'mailer', 'office', 'online', 'official', 'group', 'from', 'with', 'your', 'ours', 'this',
  'that', 'noreply', 'reply', 'security', 'billing', 'help', 'helpdesk', 'desk', 'department', 'center', 'centre', 'update',
  'updates', 'offer', 'offers', 'deal', 'deals', 'saving', 'savings', 'sale', 'sales', 'store', 'shop', 'club', 'member',
  'members', 'weekly', 'daily', 'monthly', 'digest', 'staff', 'system', 'systems', 'test', 'testing', 'delivery', 'message',
  'messages', 'contact', 'inbox', 'webmail', 'server', 'postmaster', 'daemon', 'subsystem', 'management', 'manager', 'user',
  'users', 'hello', 'welcome', 'mobile', 'global', 'international', 'worldwide', 'corp', 'corporation', 'company', 'limited',
  'gmbh', 'premium', 'free', 'best', 'special', 'exclusive', 'today', 'community', 'editor', 'editors', 'desk', 'press',
  'january', 'february', 'march', 'april', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday',
]);
