"""UI strings of presenter mode and the handouts (ja/en); the dashboard's own are in dashboard.i18n."""

from __future__ import annotations

from dashboard.i18n import normalise_lang

STRINGS: dict[str, dict[str, str]] = {
    "page.title": {"ja": "発表モード", "en": "Presenter mode"},
    "nav.prev": {"ja": "前へ", "en": "Back"},
    "nav.next": {"ja": "次へ", "en": "Next"},
    "nav.first": {"ja": "最初へ", "en": "First"},
    "nav.last": {"ja": "最後へ", "en": "Last"},
    "nav.overview": {"ja": "一覧", "en": "Slides"},
    "nav.overview_title": {"ja": "スライド一覧（クリックで移動）", "en": "All slides (click to jump)"},
    "live.button": {"ja": "絞り込み", "en": "Filter"},
    "live.reset": {"ja": "元の表示に戻す", "en": "Back to the deck's view"},
    "live.changed": {"ja": "表示を変更中", "en": "View changed"},
    "live.none": {"ja": "このスライドには絞り込みがありません", "en": "No filter for this slide"},
    "notes.title": {"ja": "メモ", "en": "Notes"},
    "handout.button": {"ja": "配布資料", "en": "Handout"},
    "handout.format": {"ja": "形式", "en": "Format"},
    "handout.make": {"ja": "配布資料を作成", "en": "Make the handout"},
    "handout.download": {"ja": "ダウンロード", "en": "Download"},
    "handout.making": {"ja": "作成中…", "en": "Making…"},
    "handout.page": {"ja": "{n} / {m}", "en": "{n} / {m}"},
    "handout.notes": {"ja": "メモ", "en": "Notes"},
    "handout.sources": {"ja": "出典", "en": "Sources"},
    "handout.rule": {"ja": "公表ルール", "en": "Disclosure rule"},
    "handout.continued": {"ja": "（続き）", "en": " (continued)"},
    "handout.with_notes": {"ja": "メモ（話す内容）も印刷する", "en": "Print the speaker notes"},
    "handout.per_page": {"ja": "A4 1枚あたりのスライド数（PDF）", "en": "Slides per A4 sheet (PDF)"},
    "handout.per_page_n": {"ja": "{n}枚", "en": "{n}"},
    "handout.progress": {"ja": "作成中… スライド {n} / {m}", "en": "Making… slide {n} of {m}"},
    "handout.ready": {"ja": "作成しました", "en": "Done"},
    "handout.more_rows": {
        "ja": "ほか{n}行は省略（ダッシュボードで全件）",
        "en": "{n} more rows left out (all rows in the dashboard)",
    },
    "demo.short": {"ja": "デモデータ（架空）", "en": "Demo data (fictitious)"},
    "facts.survey": {"ja": "調査 {wave}", "en": "survey {wave}"},
    "facts.activity": {"ja": "活動記録 {month}まで", "en": "activity to {month}"},
    "facts.built": {"ja": "取込 {day}", "en": "imported {day}"},
    "facts.sep": {"ja": "・", "en": ", "},
    "directory.more": {
        "ja": "ほか{n}件（配布資料・相談窓口一覧に全件）",
        "en": "{n} more (all in the handout and the directory page)",
    },
    "cards.interval": {"ja": "95%区間 {text}", "en": "95% interval {text}"},
    "editor.title": {"ja": "デッキの編集", "en": "Edit decks"},
    "editor.open": {"ja": "編集", "en": "Edit"},
    "editor.back": {"ja": "発表に戻る", "en": "Back to presenting"},
    "editor.deck": {"ja": "デッキ", "en": "Deck"},
    "editor.name": {"ja": "保存名（英数字・-・_）", "en": "Name (letters, digits, - and _)"},
    "editor.deck_title": {"ja": "タイトル", "en": "Title"},
    "editor.date": {"ja": "日付", "en": "Date"},
    "editor.up": {"ja": "上へ", "en": "Up"},
    "editor.down": {"ja": "下へ", "en": "Down"},
    "editor.remove": {"ja": "削除", "en": "Remove"},
    "editor.save": {"ja": "保存（会員全員が発表に使えます）", "en": "Save (for every member to present)"},
    "editor.save_secretariat": {
        "ja": "保存と削除は事務局のみです。YAMLをダウンロードして事務局に送ってください。",
        "en": "Only the secretariat saves and deletes decks. Download the YAML and send it to them.",
    },
    "editor.save_forbidden": {
        "ja": "デッキの保存と削除は事務局のみ行えます。",
        "en": "Only the secretariat may save or delete decks.",
    },
    "editor.delete_saved": {"ja": "保存したデッキを削除", "en": "Delete the saved deck"},
    "editor.delete_confirm": {
        "ja": "デッキ「{name}」を削除します。元に戻せません。",
        "en": "Deletes the deck “{name}”. This cannot be undone.",
    },
    "editor.deleted": {"ja": "デッキ「{name}」を削除しました。", "en": "Deleted the deck “{name}”."},
    "editor.saved": {"ja": "デッキ「{name}」を保存しました。", "en": "Saved the deck “{name}”."},
    "editor.save_failed": {
        "ja": "デッキを保存できませんでした。管理者にお知らせください（詳しい内容はサーバーのログにあります）。",
        "en": "The deck could not be saved. Please tell the administrator (the details are in the server's log).",
    },
    "editor.download": {"ja": "YAMLをダウンロード", "en": "Download YAML"},
    "editor.upload": {"ja": "YAMLを読み込む", "en": "Load a YAML file"},
    "editor.loaded": {
        "ja": "読み込みました: {name}（このセッションのみ。保存すると残ります）",
        "en": "Loaded {name} (this session only until saved)",
    },
    "editor.present": {"ja": "このデッキで発表", "en": "Present this deck"},
    "editor.session_note": {
        "ja": "変更はこのセッションに保持されます。残すには保存するかYAMLをダウンロードしてください。",
        "en": "Changes are kept in this session; save or download the YAML to keep them.",
    },
    "add.button": {"ja": "このビューをデッキに追加", "en": "Add this view to a deck"},
    "add.deck": {"ja": "追加先のデッキ", "en": "Deck"},
    "add.new": {"ja": "新しいデッキ", "en": "New deck"},
    "add.new_name": {"ja": "新しいデッキの名前（英数字・-・_）", "en": "New deck name (letters, digits, - and _)"},
    "add.heading": {"ja": "スライドの見出し", "en": "Slide heading"},
    "add.do": {"ja": "追加", "en": "Add"},
    "add.done": {
        "ja": "「{deck}」の{n}枚目に追加しました（発表モードの「編集」で並べ替え・保存）",
        "en": "Added as slide {n} of {deck} (reorder and save under Edit in presenter mode)",
    },
    "error.deck": {"ja": "デッキを読み込めませんでした", "en": "The deck could not be loaded"},
    "error.slide": {
        "ja": "このスライドを表示できませんでした（詳しい内容はサーバーのログにあります）。",
        "en": "This slide could not be shown (the details are in the server's log).",
    },
}


def ps(key: str, lang: str = "ja", **fmt: object) -> str:
    text = STRINGS[key][normalise_lang(lang)]
    return text.format(**fmt) if fmt else text
