//! Rozetka's order statuses (note §4) and the simulator's default transition graph (§5, an
//! ASSUMPTION kept as data). The live server is the authority: the client trusts `status_group` and
//! `status_available` from answers and uses this table only where an answer lacks them.

/// (id, name_uk, name_en, status_group): 1 in processing, 2 completed, 3 cancelled/unsuccessful.
pub const STATUSES: &[(i64, &str, &str, i64)] = &[
    (1, "Нове замовлення", "New order", 1),
    (
        2,
        "Комплектується. Дані підтверджені",
        "Packing, data confirmed",
        1,
    ),
    (
        3,
        "Передано в службу доставки",
        "Handed to the delivery service",
        1,
    ),
    (4, "Доставляється", "Being delivered", 1),
    (5, "Чекає в пункті самовивозу", "Waiting at pickup point", 1),
    (6, "Замовлення виконано", "Completed", 2),
    (
        7,
        "Не оброблено продавцем протягом дня",
        "Not processed by seller within a day",
        3,
    ),
    (10, "Відправлення протерміновано", "Shipment overdue", 3),
    (11, "Не прийшов за замовленням", "Buyer did not collect", 3),
    (12, "Відмова при отриманні", "Refused at receipt", 3),
    (
        13,
        "Скасовано Адміністратором",
        "Cancelled by administrator",
        3,
    ),
    (15, "Некоректний ТТН", "Incorrect TTN", 1),
    (
        16,
        "Немає в наявності / брак",
        "Out of stock / defective",
        3,
    ),
    (
        17,
        "Не влаштовують умови оплати",
        "Payment terms not acceptable",
        3,
    ),
    (18, "Не вдалося зв'язатися", "Could not reach the buyer", 3),
    (19, "Замовлення повернено", "Order returned", 3),
    (
        20,
        "Товар не підходить за характеристиками",
        "Wrong characteristics",
        3,
    ),
    (
        24,
        "Скасування. Не влаштовує доставка",
        "Cancelled: delivery not acceptable",
        3,
    ),
    (25, "Тестове замовлення", "Test order", 3),
    (26, "Опрацьовується менеджером", "Processed by manager", 1),
    (27, "Вимагає доукомплектації", "Needs completion", 1),
    (28, "Неправильні контактні дані", "Wrong contact data", 3),
    (29, "Ціна змінилася", "Price changed", 3),
    (30, "Закінчився термін резерву", "Reservation expired", 3),
    (
        31,
        "Скасування. Створено дублююче замовлення",
        "Cancelled: duplicate order",
        3,
    ),
    (
        33,
        "Умови доставки не влаштовують",
        "Delivery conditions not acceptable",
        3,
    ),
    (
        37,
        "Передоплата не влаштовує",
        "Prepayment not acceptable",
        3,
    ),
    (38, "Не влаштовує товар", "Product not acceptable", 3),
    (40, "Клієнт передумав", "Buyer changed mind", 3),
    (42, "Немає в наявності", "Out of stock", 3),
    (43, "Брак", "Defective", 3),
    (
        44,
        "Скасування. Фейкове замовлення",
        "Cancelled: fake order",
        3,
    ),
    (45, "Скасовано покупцем", "Cancelled by buyer", 3),
    (
        46,
        "Відновлено при продзвоні",
        "Restored after call check",
        2,
    ),
    (47, "Планується повторний дзвінок", "Call-back planned", 1),
    (49, "Повторне замовлення", "Repeat order", 1),
    (50, "Клієнт не оплатив", "Buyer did not pay", 3),
    (51, "У кредиті відмовлено", "Credit refused", 3),
    (52, "Нове замовлення за 1 клік", "New one-click order", 1),
    (
        53,
        "Очікує підтвердження клієнтом",
        "Awaiting buyer confirmation",
        1,
    ),
    (54, "Опрацьовано автоматично", "Processed automatically", 1),
    (55, "Очікує отримання оплати", "Awaiting payment", 1),
    (
        56,
        "Комплектується перевізником",
        "Being packed by carrier",
        1,
    ),
    (57, "Заплановано доставку", "Delivery scheduled", 1),
    (
        61,
        "Заплановано передачу перевізникові",
        "Handover to carrier scheduled",
        1,
    ),
    (
        71,
        "Скасування. Товар повернувся",
        "Cancelled: goods returned",
        3,
    ),
    (
        72,
        "Скасування. Здійснено повернення коштів",
        "Cancelled: refunded",
        3,
    ),
    (
        75,
        "Скасування. Скасовано КЦ",
        "Cancelled by call centre",
        3,
    ),
    (
        77,
        "Скасування. Відмовлено банком",
        "Cancelled: bank refused",
        3,
    ),
    (
        87,
        "Виконано. Минув термін обробки",
        "Completed: processing term expired",
        2,
    ),
    (88, "Втрачена перевізником", "Lost by carrier", 3),
];

/// Status 2, the only one in which the hub sends a tracking number (TRK-2).
pub const PACKING_CONFIRMED: i64 = 2;
/// "Handover to carrier scheduled": where a TTN moves the order.
pub const HANDOVER_SCHEDULED: i64 = 61;
/// "Repeat order": never sent by the hub (ST-6).
pub const REPEAT_ORDER: i64 = 49;

/// The cancellation set C of §5 (ASSUMPTION).
pub const CANCELLATIONS: &[i64] = &[16, 17, 18, 20, 24, 28, 29, 31, 33, 37, 38, 40, 42, 43, 44];

pub fn name_uk(id: i64) -> &'static str {
    STATUSES
        .iter()
        .find(|s| s.0 == id)
        .map(|s| s.1)
        .unwrap_or("")
}

/// Statuses the note names only in its ranges or glosses (§4): the names it gives, Ukrainian
/// where it has them. Kept apart from [`STATUSES`] so they do not become rule targets.
const MORE_NAMES: &[(i64, &str)] = &[
    (32, "Ungrouping not acceptable"),
    (34, "Carrier/method not acceptable"),
    (35, "Delivery term"),
    (36, "Non-cash payment impossible"),
    (39, "Wrong size/colour"),
    (41, "Bought elsewhere"),
    (58, "Передано до служби доставки в Польщі"),
    (59, "На митному контролі"),
    (60, "Передано до служби доставки в Україні"),
    (62, "Date changed"),
    (63, "Processed by carrier"),
    (64, "To recipient city"),
    (65, "In recipient city"),
    (66, "In recipient city"),
    (67, "Given to courier"),
    (68, "Partially received"),
    (69, "Date or address changed"),
    (70, "Планується повторний дзвінок"),
    (73, "У черзі на отримання"),
    (74, "Сьогодні закінчується термін резерву"),
    (76, "Очікує клієнта у почтоматі"),
    (78, "Змінено час видачі"),
    (79, "Очікує модерації КЦ"),
    (80, "Awaiting receipt from seller"),
    (81, "Accepted from seller"),
    (82, "At distribution centre"),
    (83, "Will be returned"),
    (84, "At return point"),
    (85, "Returned to seller"),
    (86, "Return expected"),
];

/// Rozetka's own name of a status (`"26"` → "Опрацьовується менеджером"); `None` for an id the
/// note does not name.
pub fn label(code: &str) -> Option<&'static str> {
    let id: i64 = code.trim().parse().ok()?;
    STATUSES
        .iter()
        .find(|s| s.0 == id)
        .map(|s| s.1)
        .or_else(|| MORE_NAMES.iter().find(|s| s.0 == id).map(|s| s.1))
}

pub fn name_en(id: i64) -> &'static str {
    STATUSES
        .iter()
        .find(|s| s.0 == id)
        .map(|s| s.2)
        .unwrap_or("")
}

/// The group of a status per §4: ranges listed there without single rows are covered too.
pub fn group_of(id: i64) -> i64 {
    if let Some(s) = STATUSES.iter().find(|s| s.0 == id) {
        return s.3;
    }
    match id {
        32 | 34 | 35 | 36 | 39 | 41 | 83..=86 | 89..=91 => 3,
        _ => 1,
    }
}

/// The simulator's default graph of §5: from → allowed next statuses.
pub fn default_transitions() -> Vec<(i64, Vec<i64>)> {
    let with_c = |base: &[i64]| -> Vec<i64> {
        let mut v = base.to_vec();
        v.extend_from_slice(CANCELLATIONS);
        v
    };
    vec![
        (1, with_c(&[26, 47])),
        (47, with_c(&[26, 2])),
        (26, with_c(&[2, 47, 61])),
        (2, with_c(&[26, 3, 61])),
        (61, vec![3]),
    ]
}
