// Ukrainian and English labels; the choice is kept in localStorage. `t(key, ...args)`: a
// string, or a function of the arguments. A key missing in Ukrainian falls back to English,
// one missing in both shows its last part (an event kind, a field name).

const en = {
  loading: 'Loading…', all: 'All', here: 'Here', admin: 'admin', signout: 'Sign out', refresh: 'Refresh',
  next: 'Next', prev: 'Previous', notFound: 'No such page.', 'lang.title': 'Українською',
  'signin.token': 'Access token', 'signin.hint': 'The bearer token orderhub printed (the demo prints the admin\'s) or one an admin made for you. Kept in this tab only.',
  'signin.go': 'Sign in',
  'nav.label': 'Screens', 'nav.orders': 'Orders', 'nav.sources': 'Sources', 'nav.rules': 'Status rules', 'nav.commission': 'Commission',
  'live.on': '● live', 'live.off': '○ offline',
  'orders.title': 'Orders', 'orders.total': (n) => `${n} orders`, 'orders.fresh': (n) => `${n} new — show`, 'orders.none': 'No orders match.',
  'f.search': 'Search', 'f.searchHint': 'number, name or phone', 'f.source': 'Source', 'f.platform': 'Platform', 'f.group': 'Status group',
  'f.from': 'From', 'f.to': 'To', 'f.apply': 'Apply', 'f.clear': 'Clear filters',
  'o.number': 'Number', 'o.date': 'Date', 'o.source': 'Source', 'o.customer': 'Customer', 'o.phone': 'Phone', 'o.total': 'Total',
  'o.status': 'Status', 'o.tracking': 'Tracking number',
  'platform.ROZETKA': 'Rozetka', 'platform.PROM': 'Prom.ua', 'platform.EPICENTR': 'Epicentr', 'platform.CARTUM': 'Cartum',
  'platform.SHOPIFY': 'Shopify', 'platform.WOOCOMMERCE': 'WooCommerce',
  'group.NEW': 'New', 'group.APPROVAL': 'Approval', 'group.PRODUCTION': 'Production', 'group.DELIVERY': 'Delivery',
  'group.COMPLETED': 'Completed', 'group.CANCELLED': 'Cancelled',
  'customer.hidden': 'hidden by the platform',
  'order.title': 'Order', 'order.missing': 'No such order, or not one of your sources\'.', 'order.pushError': 'The platform refused the last push',
  'order.summary': 'Summary', 'order.commission': 'Commission', 'order.manager': 'Manager', 'order.synced': 'Last synced',
  'order.writtenOff': 'Written off', 'order.currencyMismatch': 'not the source\'s currency', 'order.name': 'Name', 'order.address': 'Address',
  'order.delivery': 'Delivery', 'order.actions': 'Actions', 'order.changeStatus': 'Change status', 'order.reason': 'Cancellation reason',
  'order.setTracking': 'Set tracking number', 'order.writeOff': 'Write off stock', 'order.writeOffConfirm': 'Write this order\'s goods off stock? Platform edits stop applying to it.',
  'order.items': 'Items', 'order.expenses': 'Expenses', 'order.events': 'History',
  'delivery.carrier': 'Carrier', 'delivery.method': 'Method', 'delivery.cost': 'Cost', 'delivery.address': 'Address', 'delivery.recipient_phone': 'Recipient phone',
  'item.name': 'Item', 'item.qty': 'Qty', 'item.price': 'Price', 'item.upsell': 'upsell', 'item.added': 'added later',
  'item.upsellHint': 'Added on the platform after import', 'item.removed': 'removed on the platform',
  'ev.webhook': 'webhook delivery', 'ev.sync': 'sync run',
  'run.backfill': 'backfill', 'run.poll': 'poll', 'run.manual_source': 'manual sync', 'run.manual_order': 'order sync',
  'state.running': 'running', 'state.succeeded': 'succeeded', 'state.failed': 'failed',
  'kind.imported': 'imported', 'kind.status_changed': 'status', 'kind.pushed': 'pushed', 'kind.push_failed': 'push failed', 'kind.comment': 'comment',
  'health.ok': 'working', 'health.off': 'disabled', 'health.reauth': 'needs re-auth', 'health.failing': 'last run failed',
  'src.needsReauth': 'Needs re-auth', 'src.lastSync': 'Last successful sync', 'src.lastRun': 'Last run',
  'src.counts': (seen, created, updated, skipped) => `${seen} seen, ${created} new, ${updated} updated, ${skipped} skipped`,
  'src.deliveries': 'Webhook deliveries', 'src.pending': (n) => `${n} waiting`, 'src.parked': (n) => `${n} parked`, 'src.nextSync': 'Next sync',
  'src.rules': 'Status rules', 'src.rulesOn': 'rules on', 'src.rulesOff': 'rules off', 'src.syncNow': 'Sync now', 'src.showDeliveries': 'Deliveries',
  'src.reauth': 'Re-authorize', 'src.disable': 'Disable', 'src.enable': 'Enable', 'src.noOpenDeliveries': 'No delivery waits or is parked.',
  'src.attempts': (n) => `${n} attempts`, 'src.replay': 'Replay', 'src.saveCredentials': 'Save credentials', 'src.new': 'Connect a source',
  'src.name': 'Name', 'src.currency': 'Currency', 'src.baseUrl': 'API address (optional)', 'src.shopUrl': 'Shop address',
  'src.baseUrlHint': 'the platform\'s production address', 'src.language': 'Language of goods', 'src.storeCommission': 'Store marketplace commission as expenses',
  'src.settings': 'Platform settings (JSON)', 'src.settingsHint': 'e.g. {"page_size": 50, "min_interval_ms": 500}; each platform\'s keys are listed in its client.',
  'src.badJson': 'Settings are not JSON', 'src.checking': 'Asking the platform…', 'src.create': 'Connect', 'src.none': 'No sources yet.',
  'cred.login': 'Login', 'cred.password': 'Password', 'cred.token': 'API token', 'cred.shopDomain': 'Shop domain (…myshopify.com)',
  'cred.accessToken': 'Admin API access token', 'cred.webhookSecret': 'Webhook secret', 'cred.consumerKey': 'Consumer key', 'cred.consumerSecret': 'Consumer secret',
  'rules.pick': 'Pick a source.', 'rules.noSource': 'No such source.', 'rules.hint': 'When an order moves to our status, orderhub sets the platform\'s status (a code as the platform writes it, e.g. Rozetka 26).',
  'rules.hintProm': 'Prom: our status group (and, for cancelled, our reason) → Prom\'s status and reason.', 'rules.ours': 'Our status',
  'rules.platform': 'Platform status', 'rules.platformReason': 'Platform cancellation reason', 'rules.remove': 'Remove rule', 'rules.add': 'Rule',
  'rules.preview': 'Preview', 'rules.save': 'Save', 'rules.enable': 'Enable rules', 'rules.disable': 'Disable rules', 'rules.saved': 'saved',
  'rules.previewTitle': 'If enabled now', 'rules.open': (n) => `${n} open orders looked at`, 'rules.unchanged': (n) => `${n} already in their status`,
  'rules.orders': 'Orders', 'rules.notSent': 'not sent',
  'com.group': 'Grouped by', 'com.by.PLATFORM': 'Platform', 'com.by.SOURCE': 'Source', 'com.by.MONTH': 'Month', 'com.by.DAY': 'Day',
  'com.by.EXPENSE_TYPE': 'Expense type', 'com.amount': 'Amount', 'com.count': 'Orders', 'com.none': 'No commission in this period.', 'com.chart': 'Commission chart',
};

const uk = {
  loading: 'Завантаження…', all: 'Усі', here: 'Тут', admin: 'адмін', signout: 'Вийти', refresh: 'Оновити',
  next: 'Далі', prev: 'Назад', notFound: 'Такої сторінки немає.', 'lang.title': 'In English',
  'signin.token': 'Токен доступу', 'signin.hint': 'Токен, який надрукував orderhub (демо друкує токен адміністратора), або виданий вам адміністратором. Зберігається лише в цій вкладці.',
  'signin.go': 'Увійти',
  'nav.label': 'Екрани', 'nav.orders': 'Замовлення', 'nav.sources': 'Джерела', 'nav.rules': 'Правила статусів', 'nav.commission': 'Комісія',
  'live.on': '● наживо', 'live.off': '○ без зв\'язку',
  'orders.title': 'Замовлення', 'orders.total': (n) => `${n} замовлень`, 'orders.fresh': (n) => `Нових: ${n} — показати`, 'orders.none': 'Замовлень не знайдено.',
  'f.search': 'Пошук', 'f.searchHint': 'номер, ім\'я або телефон', 'f.source': 'Джерело', 'f.platform': 'Платформа', 'f.group': 'Група статусів',
  'f.from': 'Від', 'f.to': 'До', 'f.apply': 'Застосувати', 'f.clear': 'Скинути фільтри',
  'o.number': 'Номер', 'o.date': 'Дата', 'o.source': 'Джерело', 'o.customer': 'Покупець', 'o.phone': 'Телефон', 'o.total': 'Сума',
  'o.status': 'Статус', 'o.tracking': 'ТТН',
  'platform.ROZETKA': 'Rozetka', 'platform.PROM': 'Prom.ua', 'platform.EPICENTR': 'Епіцентр', 'platform.CARTUM': 'Cartum',
  'platform.SHOPIFY': 'Shopify', 'platform.WOOCOMMERCE': 'WooCommerce',
  'group.NEW': 'Нові', 'group.APPROVAL': 'Погодження', 'group.PRODUCTION': 'Виконання', 'group.DELIVERY': 'Доставка',
  'group.COMPLETED': 'Завершені', 'group.CANCELLED': 'Скасовані',
  'customer.hidden': 'приховано платформою',
  'order.title': 'Замовлення', 'order.missing': 'Такого замовлення немає або воно не з ваших джерел.', 'order.pushError': 'Платформа відхилила останнє оновлення',
  'order.summary': 'Загалом', 'order.commission': 'Комісія', 'order.manager': 'Менеджер', 'order.synced': 'Синхронізовано',
  'order.writtenOff': 'Списано', 'order.currencyMismatch': 'не валюта джерела', 'order.name': 'Ім\'я', 'order.address': 'Адреса',
  'order.delivery': 'Доставка', 'order.actions': 'Дії', 'order.changeStatus': 'Змінити статус', 'order.reason': 'Причина скасування',
  'order.setTracking': 'Зберегти ТТН', 'order.writeOff': 'Списати зі складу', 'order.writeOffConfirm': 'Списати товари цього замовлення зі складу? Зміни з платформи більше не застосовуватимуться.',
  'order.items': 'Товари', 'order.expenses': 'Витрати', 'order.events': 'Історія',
  'delivery.carrier': 'Перевізник', 'delivery.method': 'Спосіб', 'delivery.cost': 'Вартість', 'delivery.address': 'Адреса', 'delivery.recipient_phone': 'Телефон отримувача',
  'item.name': 'Товар', 'item.qty': 'К-сть', 'item.price': 'Ціна', 'item.upsell': 'допродаж', 'item.added': 'додано пізніше',
  'item.upsellHint': 'Додано на платформі після імпорту', 'item.removed': 'видалено на платформі',
  'ev.webhook': 'вебхук', 'ev.sync': 'синхронізація',
  'run.backfill': 'початкове завантаження', 'run.poll': 'опитування', 'run.manual_source': 'ручна синхронізація', 'run.manual_order': 'синхронізація замовлення',
  'state.running': 'триває', 'state.succeeded': 'успішно', 'state.failed': 'помилка',
  'kind.imported': 'імпорт', 'kind.status_changed': 'статус', 'kind.pushed': 'надіслано', 'kind.push_failed': 'не надіслано', 'kind.comment': 'коментар',
  'health.ok': 'працює', 'health.off': 'вимкнено', 'health.reauth': 'потрібна повторна авторизація', 'health.failing': 'остання синхронізація з помилкою',
  'src.needsReauth': 'Потрібна повторна авторизація', 'src.lastSync': 'Остання вдала синхронізація', 'src.lastRun': 'Останній запуск',
  'src.counts': (seen, created, updated, skipped) => `переглянуто ${seen}, нових ${created}, оновлено ${updated}, пропущено ${skipped}`,
  'src.deliveries': 'Вебхуки', 'src.pending': (n) => `${n} в черзі`, 'src.parked': (n) => `${n} відкладено`, 'src.nextSync': 'Наступна синхронізація',
  'src.rules': 'Правила статусів', 'src.rulesOn': 'правила увімкнено', 'src.rulesOff': 'правила вимкнено', 'src.syncNow': 'Синхронізувати', 'src.showDeliveries': 'Вебхуки',
  'src.reauth': 'Авторизувати знову', 'src.disable': 'Вимкнути', 'src.enable': 'Увімкнути', 'src.noOpenDeliveries': 'Немає вебхуків у черзі чи відкладених.',
  'src.attempts': (n) => `спроб: ${n}`, 'src.replay': 'Повторити', 'src.saveCredentials': 'Зберегти облікові дані', 'src.new': 'Підключити джерело',
  'src.name': 'Назва', 'src.currency': 'Валюта', 'src.baseUrl': 'Адреса API (необов\'язково)', 'src.shopUrl': 'Адреса магазину',
  'src.baseUrlHint': 'робоча адреса платформи', 'src.language': 'Мова товарів', 'src.storeCommission': 'Зберігати комісію маркетплейсу як витрати',
  'src.settings': 'Налаштування платформи (JSON)', 'src.settingsHint': 'напр. {"page_size": 50, "min_interval_ms": 500}; ключі кожної платформи — у її клієнті.',
  'src.badJson': 'Налаштування — не JSON', 'src.checking': 'Перевіряємо на платформі…', 'src.create': 'Підключити', 'src.none': 'Джерел ще немає.',
  'cred.login': 'Логін', 'cred.password': 'Пароль', 'cred.token': 'API-токен', 'cred.shopDomain': 'Домен магазину (…myshopify.com)',
  'cred.accessToken': 'Токен Admin API', 'cred.webhookSecret': 'Секрет вебхуків', 'cred.consumerKey': 'Consumer key', 'cred.consumerSecret': 'Consumer secret',
  'rules.pick': 'Оберіть джерело.', 'rules.noSource': 'Такого джерела немає.', 'rules.hint': 'Коли замовлення переходить у наш статус, orderhub ставить статус платформи (код, як його пише платформа, напр. Rozetka 26).',
  'rules.hintProm': 'Prom: наша група статусів (і для скасованих — наша причина) → статус і причина Prom.', 'rules.ours': 'Наш статус',
  'rules.platform': 'Статус платформи', 'rules.platformReason': 'Причина скасування на платформі', 'rules.remove': 'Видалити правило', 'rules.add': 'Правило',
  'rules.preview': 'Попередній перегляд', 'rules.save': 'Зберегти', 'rules.enable': 'Увімкнути правила', 'rules.disable': 'Вимкнути правила', 'rules.saved': 'збережено',
  'rules.previewTitle': 'Якщо увімкнути зараз', 'rules.open': (n) => `переглянуто відкритих замовлень: ${n}`, 'rules.unchanged': (n) => `уже в своєму статусі: ${n}`,
  'rules.orders': 'Замовлень', 'rules.notSent': 'не буде надіслано',
  'com.group': 'Групувати за', 'com.by.PLATFORM': 'Платформа', 'com.by.SOURCE': 'Джерело', 'com.by.MONTH': 'Місяць', 'com.by.DAY': 'День',
  'com.by.EXPENSE_TYPE': 'Тип витрати', 'com.amount': 'Сума', 'com.count': 'Замовлень', 'com.none': 'Комісії за цей період немає.', 'com.chart': 'Діаграма комісії',
};

const KEY = 'orderhub.lang';
let current = (() => {
  try { return localStorage.getItem(KEY) || 'uk'; } catch (e) { return 'uk'; }
})();

export const lang = () => current;

export function setLang(l) {
  current = l === 'en' ? 'en' : 'uk';
  try { localStorage.setItem(KEY, current); } catch (e) { /* storage off */ }
}

export function t(key, ...args) {
  const v = (current === 'uk' ? uk[key] : undefined) ?? en[key];
  if (v === undefined) return key.slice(key.indexOf('.') + 1);
  return typeof v === 'function' ? v(...args) : v;
}
