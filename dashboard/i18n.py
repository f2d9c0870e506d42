"""UI strings of the dashboard in Japanese and English.

Codes, indicator names and marks come from the codebook (data.codebook); this file holds only the
words of the interface itself: page titles, buttons, captions and explanations.
"""

from __future__ import annotations

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"ja": "つながりダッシュボード", "en": "Tsunagari dashboard"},
    "app.subtitle": {
        "ja": "鶴岡市 孤独・孤立対策官民連携プラットフォーム",
        "en": "Tsuruoka City public-private platform on loneliness and isolation",
    },
    # sign-in (dashboard/access)
    "signin.title": {"ja": "サインイン", "en": "Sign in"},
    "signin.lead": {
        "ja": "このダッシュボードはプラットフォーム会員専用です。事務局から届いた利用者名とパスワードでサインインしてください。",
        "en": "This dashboard is for the platform's members only. Sign in with the name and password the secretariat gave you.",
    },
    "signin.lead_oidc": {
        "ja": "このダッシュボードはプラットフォーム会員専用です。登録されたアカウントでサインインしてください。",
        "en": "This dashboard is for the platform's members only. Sign in with your registered account.",
    },
    "signin.name": {"ja": "利用者名", "en": "User name"},
    "signin.password": {"ja": "パスワード", "en": "Password"},
    "signin.submit": {"ja": "サインイン", "en": "Sign in"},
    "signin.oidc": {"ja": "{provider} のアカウントでサインイン", "en": "Sign in with {provider}"},
    "signin.or": {"ja": "または", "en": "or"},
    "signin.other_lang": {"ja": "English", "en": "日本語"},
    "signin.wrong": {"ja": "利用者名またはパスワードが違います。", "en": "The user name or password is wrong."},
    "signin.locked": {
        "ja": "サインインに続けて失敗したため、この利用者名はあと約{minutes}分お待ちください。",
        "en": "Too many failed attempts: this user name must wait about {minutes} more minutes.",
    },
    "signin.disabled": {
        "ja": "このアカウントは無効になっています。事務局にお問い合わせください。",
        "en": "This account is disabled. Please contact the secretariat.",
    },
    "signin.expired": {
        "ja": "一定時間操作がなかったため、サインアウトしました。もう一度サインインしてください。",
        "en": "You were signed out after a period without activity. Please sign in again.",
    },
    "signin.signed_out": {"ja": "サインアウトしました。", "en": "You have signed out."},
    "signin.oidc_denied": {
        "ja": "このアカウント（{email}）は利用者として登録されていません。事務局にお問い合わせください。",
        "en": "This account ({email}) is not registered as a user. Please contact the secretariat.",
    },
    "signin.bad_origin": {
        "ja": "別のサイトから送られたため受け付けませんでした。このページから入力してください。",
        "en": "Refused: the form was sent from another site. Please use this page.",
    },
    "signin.needed": {
        "ja": "サインインが必要です。",
        "en": "Please sign in.",
    },
    "signin.go": {"ja": "サインイン画面へ", "en": "Go to sign-in"},
    "signin.local_only": {
        "ja": "このダッシュボードはサインインが設定されていないため、サーバー本体（この端末）からのみ利用できます。",
        "en": "Sign-in is not configured, so this dashboard can be used only on the server itself.",
    },
    "account.signed_in": {"ja": "サインイン中: {name}（{role}）", "en": "Signed in: {name} ({role})"},
    "account.local": {
        "ja": "この端末のみ（サインインなし・事務局として操作）",
        "en": "This machine only (no sign-in; acting as secretariat)",
    },
    "account.signout": {"ja": "サインアウト", "en": "Sign out"},
    # 利用者と監査ログ (dashboard/views/audit.py)
    "audit.forbidden": {
        "ja": "このページは事務局のみ利用できます。",
        "en": "This page is for the secretariat only.",
    },
    "audit.accounts": {"ja": "利用者", "en": "Accounts"},
    "audit.enabled": {"ja": "有効", "en": "enabled"},
    "audit.disabled": {"ja": "無効", "en": "disabled"},
    "audit.no_accounts": {
        "ja": "組み込みアカウントはありません（サインインなし、または OIDC のみ）。",
        "en": "No built-in accounts (no sign-in, or OIDC only).",
    },
    "audit.accounts_help": {
        "ja": "利用者の追加・パスワード変更・無効化はサーバーで python -m dashboard users … を実行します（README 参照）。",
        "en": "Add accounts, change passwords or disable them on the server with python -m dashboard users … (see README).",
    },
    "audit.log": {"ja": "監査ログ", "en": "Audit log"},
    "audit.events": {"ja": "操作で絞り込み", "en": "Filter by event"},
    "audit.empty": {
        "ja": "監査ログはまだ空です。サインインやダウンロードがあると、ここに記録されます。",
        "en": "The audit log is empty. Sign-ins and downloads will be recorded here.",
    },
    "audit.help": {
        "ja": "全{n}件（新しい順）。追記のみのログで、回答者単位の情報は含みません。",
        "en": "{n} entries in all (newest first). Append-only; it holds no respondent-level data.",
    },
    "audit.file": {"ja": "監査ログ", "en": "audit_log"},
    # 月次実績の提出 (dashboard/views/submit.py) and 提出状況 (dashboard/views/submission_status.py)
    "page.submit": {"ja": "月次実績の提出", "en": "Monthly figures"},
    "page.submission_status": {"ja": "提出状況", "en": "Submission status"},
    "submit.forbidden": {
        "ja": "このページは団体のアカウントと事務局のみ利用できます。",
        "en": "This page is for organisation accounts and the secretariat only.",
    },
    "submit.no_org": {
        "ja": "このアカウントには団体が設定されていません。事務局に団体IDの設定を依頼してください。",
        "en": "No organisation is set for this account. Ask the secretariat to set its organisation ID.",
    },
    "submit.org_unknown": {
        "ja": "団体ID「{org}」が、公開中のデータの団体一覧にありません。事務局にお問い合わせください。",
        "en": "The organisation ID {org} is not in the published list of organisations. Please contact the secretariat.",
    },
    "submit.no_orgs": {
        "ja": "団体一覧が空です。事務局がデータ管理ページで団体の抽出データを公開すると、ここで団体を選べます。",
        "en": "The list of organisations is empty. Once the secretariat publishes the organisations extract on the data page, organisations can be chosen here.",
    },
    "submit.choose_org": {
        "ja": "提出する団体（事務局による代理提出）",
        "en": "Organisation (submitting on its behalf)",
    },
    "submit.lead": {
        "ja": "{name}（団体ID {org}）の月次実績を、Excel の様式で提出します。① 様式をダウンロードし、② 件数を入力してアップロードし、③ 内容を確かめて提出します。",
        "en": "Submit the monthly figures of {name} (organisation ID {org}) with the Excel template: ① download the template, ② fill in the counts and upload it, ③ check and submit.",
    },
    "submit.step_template": {"ja": "① 様式をダウンロードする", "en": "① Download the template"},
    "submit.period_kind": {"ja": "様式の期間", "en": "Period of the template"},
    "submit.kind_month": {"ja": "1か月分", "en": "One month"},
    "submit.kind_year": {"ja": "1年度分（4月〜翌年3月）", "en": "One fiscal year (April to March)"},
    "submit.month": {"ja": "月", "en": "Month"},
    "submit.fiscal_year": {"ja": "年度", "en": "Fiscal year"},
    "submit.template_button": {"ja": "様式（Excel）をダウンロード", "en": "Download the template (Excel)"},
    "submit.template_help": {
        "ja": "様式には、貴団体の分野（{fields}）と地域（{districts}）の行が入っています。黄色のセルに件数を入力してください（0 件のときは 0）。入力のしかたは「説明」シートにあります。",
        "en": "The template has a row for each of your fields ({fields}) and districts ({districts}). Type the counts in the yellow cells (0 where there were none); the sheet 説明 explains how.",
    },
    "submit.step_upload": {"ja": "② 入力した様式をアップロードする", "en": "② Upload the filled template"},
    "submit.upload_label": {"ja": "入力した様式（Excel .xlsx）", "en": "The filled template (Excel .xlsx)"},
    "submit.upload_empty": {
        "ja": "入力した様式のファイルを、上の欄にドラッグするか選んでください。提出する前に、内容を確かめる画面が出ます。",
        "en": "Drag the filled template onto the box above, or choose it. You will see its contents before submitting.",
    },
    "submit.refused": {
        "ja": "このファイルは提出できません: {n} 件の問題があります。表のセルの位置を確かめて直し、もう一度アップロードしてください。",
        "en": "This file cannot be submitted: {n} problem(s). Correct the cells listed below and upload the file again.",
    },
    "submit.problems_help": {
        "ja": "セルは「実績」シートの位置です（例: D7 は D列の7行目）。",
        "en": "Cells are on the sheet 実績 (e.g. D7 is column D, row 7).",
    },
    "submit.problems_file": {"ja": "提出できなかった理由", "en": "submission_problems"},
    "submit.more_problems": {
        "ja": "ほか {n} 件は、下の表か CSV でご覧ください。",
        "en": "{n} more in the table below and its CSV.",
    },
    "submit.step_preview": {"ja": "③ 内容を確かめて提出する", "en": "③ Check and submit"},
    "submit.preview_lead": {
        "ja": "「{file}」の内容: {months}（{rows} 行）",
        "en": "Contents of {file}: {months} ({rows} rows)",
    },
    "submit.totals": {"ja": "月ごとの合計", "en": "Totals by month"},
    "submit.rows": {"ja": "入力された行", "en": "Rows as typed"},
    "submit.rows_col": {"ja": "行数", "en": "rows"},
    "submit.skipped": {
        "ja": "すべて空欄のため提出しない月: {months}",
        "en": "Months left blank, not submitted: {months}",
    },
    "submit.replaces": {
        "ja": "{month}は提出済みです（{time}、{user}）。提出すると、この内容に置き換わります（前の提出は履歴に残ります）。",
        "en": "{month} was submitted already ({time}, {user}). Submitting replaces it with these figures (the earlier submission stays in the history).",
    },
    "submit.send": {"ja": "提出する", "en": "Submit"},
    "submit.sent": {
        "ja": "提出しました（{time}）: {months}、{rows} 行。事務局がデータを更新すると、ダッシュボードに反映されます。",
        "en": "Submitted ({time}): {months}, {rows} rows. The dashboard shows them once the secretariat updates the data.",
    },
    "submit.already_sent": {
        "ja": "このファイルの内容は提出済みです（{time}）。直したときは、直したファイルをもう一度アップロードしてください。",
        "en": "This file has been submitted ({time}). To correct it, upload the corrected file again.",
    },
    "submit.send_failed": {
        "ja": "提出を保存できませんでした。時間をおいてもう一度お試しください。続くときは事務局にお知らせください。",
        "en": "The submission could not be saved. Please try again later, and tell the secretariat if it happens again.",
    },
    "submit.history": {"ja": "提出の履歴", "en": "Submission history"},
    "submit.history_empty": {
        "ja": "まだ提出はありません。上の手順で様式をダウンロードし、入力して提出してください。",
        "en": "Nothing submitted yet. Download the template above, fill it in and submit it.",
    },
    "submission.time": {"ja": "提出日時（日本時間）", "en": "submitted (JST)"},
    "submission.user": {"ja": "提出者", "en": "submitted by"},
    "submission.file": {"ja": "ファイル", "en": "file"},
    "submission.rows": {"ja": "行数", "en": "rows"},
    "submission.state": {"ja": "状態", "en": "state"},
    "submission.current": {"ja": "現在の提出", "en": "current"},
    "submission.replaced": {"ja": "置き換え済み", "en": "replaced"},
    "submission.published": {"ja": "公開", "en": "published"},
    "submission.is_published": {"ja": "公開済み", "en": "published"},
    "submission.not_published": {"ja": "未公開", "en": "not yet"},
    "status.forbidden": {
        "ja": "このページは事務局のみ利用できます。",
        "en": "This page is for the secretariat only.",
    },
    "status.lead": {
        "ja": "団体ごと・月ごとの月次実績の提出状況です。提出された実績は、データ管理ページで新しい版を公開するとダッシュボードに反映されます。",
        "en": "Monthly figures submitted by each organisation for each month. Submitted figures reach the dashboard when a new version is published on the data page.",
    },
    "status.fiscal_year": {"ja": "年度", "en": "Fiscal year"},
    "status.summary": {
        "ja": "{fy}: {orgs} 団体 × {months} か月のうち、提出済み {done} 件、未提出 {missing} 件。",
        "en": "{fy}: of {orgs} organisations × {months} months, {done} submitted and {missing} missing.",
    },
    "status.pending": {
        "ja": "まだ公開されていない提出が {n} 件あります（前回の公開: {when}）。データ管理ページで公開してください。",
        "en": "{n} submission(s) not yet published (last publish: {when}). Publish them on the data page.",
    },
    "status.pending_never": {
        "ja": "まだ公開されていない提出が {n} 件あります。データ管理ページで公開してください。",
        "en": "{n} submission(s) not yet published. Publish them on the data page.",
    },
    "status.all_published": {
        "ja": "提出はすべて公開済みです（前回の公開: {when}）。",
        "en": "Every submission is published (last publish: {when}).",
    },
    "status.missing": {"ja": "未提出", "en": "missing"},
    "status.submitted": {"ja": "提出済（未公開）", "en": "submitted (not yet published)"},
    "status.published": {"ja": "提出済（公開済み）", "en": "submitted (published)"},
    "status.no_orgs": {
        "ja": "団体一覧が空です。データ管理ページで団体の抽出データ（organisations）を公開すると、ここに団体が並びます。",
        "en": "The list of organisations is empty. Publish the organisations extract on the data page and they will be listed here.",
    },
    "status.no_months": {
        "ja": "この年度には、まだ報告の対象になる月がありません。前の年度を選んでください。",
        "en": "No month of this fiscal year is due yet. Choose an earlier fiscal year.",
    },
    "status.empty": {
        "ja": "まだ提出はありません。団体のアカウント（役割: 団体）は「月次実績の提出」ページから提出できます。アカウントはサーバーで python -m dashboard users add 名前 --role org --org 団体ID を実行して作ります。",
        "en": "Nothing submitted yet. Organisation accounts (role org) submit on the page 'Monthly figures'; create one on the server with python -m dashboard users add NAME --role org --org ORG_ID.",
    },
    "status.unlisted": {"ja": "（団体一覧にない団体）", "en": "(not in the list of organisations)"},
    "status.file": {"ja": "提出状況", "en": "submission_status"},
    "status.history": {"ja": "提出の履歴（すべての団体）", "en": "Submission history (all organisations)"},
    "status.history_file": {"ja": "提出の履歴", "en": "submission_history"},
    # pages
    "page.overview": {"ja": "概要", "en": "Overview"},
    "page.breakdown": {"ja": "指標の内訳", "en": "Indicator breakdown"},
    "page.trends": {"ja": "推移", "en": "Trends"},
    "page.map": {"ja": "地域マップ", "en": "District map"},
    "page.activity": {"ja": "支援団体の活動", "en": "Support organisations' activity"},
    "page.national": {"ja": "全国との比較", "en": "Comparison with Japan"},
    "page.directory": {"ja": "相談窓口一覧", "en": "Consultation directory"},
    "page.methods": {"ja": "データと方法", "en": "Data and methods"},
    "page.audit": {"ja": "利用者と監査ログ", "en": "Users and audit log"},
    "page.data": {"ja": "データ管理", "en": "Data management"},
    # データ管理 (dashboard/views/data_admin.py)
    "data.forbidden": {
        "ja": "このページは事務局の方だけが使えます。",
        "en": "This page is for the secretariat only.",
    },
    "data.update": {"ja": "データを更新する", "en": "Update the data"},
    "data.upload_help": {
        "ja": "新しい抽出ファイル（CSV〔UTF-8・BOM付き UTF-8・Shift_JIS〕または Excel の .xlsx）を選んで「確認する」を押してください。"
        "ファイル名で種類を判断します（例: `survey_responses_2025.csv` は 2025年の調査を追加、`activity.csv` は活動実績を置き換え）。"
        "選ばなかったファイルは現在の版のものをそのまま使います。確認の段階では、会員の画面は何も変わりません。",
        "en": "Choose new extract files (CSV in UTF-8, UTF-8 with BOM or Shift_JIS, or Excel .xlsx) and press Check. "
        "The file name says what it is (e.g. `survey_responses_2025.csv` adds the 2025 survey, `activity.csv` replaces "
        "the activity figures). Files you do not choose are taken from the current version. Checking changes nothing "
        "members see.",
    },
    "data.upload_label": {"ja": "抽出ファイル（複数選択可）", "en": "Extract files (several allowed)"},
    "data.check": {"ja": "確認する（まだ公開されません）", "en": "Check (not published yet)"},
    "data.no_files": {
        "ja": "ファイルが選ばれていません。上の欄にファイルをドラッグするか、「Browse files」から選んでください。",
        "en": "No file chosen: drag files onto the box above or use Browse files.",
    },
    "data.busy": {
        "ja": "別の取り込みが実行中です。終わってから、もう一度お試しください（データは変更していません）。",
        "en": "Another data update is running; try again when it has finished (nothing was changed).",
    },
    "data.phase.read": {"ja": "ファイルを読み込んでいます…", "en": "Reading the files…"},
    "data.phase.validate": {"ja": "内容を検査しています…", "en": "Checking the contents…"},
    "data.phase.weight": {"ja": "集計用の重みを計算しています…", "en": "Computing the weights…"},
    "data.phase.build": {"ja": "データベースを作成しています…", "en": "Building the database…"},
    "data.phase.checked": {"ja": "確認が終わりました", "en": "Check finished"},
    "data.phase.publish": {"ja": "公開しています…", "en": "Publishing…"},
    "data.phase.done": {"ja": "公開しました", "en": "Published"},
    "data.refused": {
        "ja": "取り込めませんでした: {n} 件の問題があります。データは変更していません。下の一覧（ファイル・行・列）を確認し、直してからもう一度アップロードしてください。",
        "en": "Not imported: {n} problem(s). Nothing was changed. Fix the cells listed below (file, row, column) and upload again.",
    },
    "data.problems_file": {"ja": "取り込みの問題一覧", "en": "Import problems"},
    "data.preview_lead": {
        "ja": "確認が終わりました（版 {version}、まだ公開していません）。内容を確かめて「公開する」を押すと、会員の画面が新しいデータになります。",
        "en": "Checked (version {version}, not published yet). Review it, then press Publish to show it to members.",
    },
    "data.warnings": {"ja": "警告 {n} 件（取り込みは可能）", "en": "{n} warning(s) (the import can go ahead)"},
    "data.headline": {"ja": "主な指標（市全体・最新の回）", "en": "Headline indicators (city-wide, latest wave)"},
    "data.headline_help": {
        "ja": "ダッシュボードと同じ保護済みの値です。秘匿の値は「—」と表示します。",
        "en": "Protected values, as the dashboard shows them; suppressed values show as —.",
    },
    "data.publish": {"ja": "公開する", "en": "Publish"},
    "data.discard": {"ja": "取り消す", "en": "Discard"},
    "data.outdated": {
        "ja": "確認のあとで、別の方がデータを更新しました。「取り消す」を押して、もう一度確認してください。",
        "en": "Someone else updated the data after this check. Discard it and check again.",
    },
    "data.published": {
        "ja": "版 {version} を公開しました。開いている会員の画面も、次に操作したときに新しいデータになります。",
        "en": "Version {version} published. Open pages show it at their next change.",
    },
    "data.discarded": {
        "ja": "確認した内容を取り消しました。データは変更していません。",
        "en": "Discarded. Nothing was changed.",
    },
    "data.subs_title": {"ja": "団体の月次提出を反映する", "en": "Apply the organisations' monthly submissions"},
    "data.subs_none": {
        "ja": "まだ反映していない月次提出はありません（提出状況のページで確認できます）。",
        "en": "No monthly submissions waiting (see the submission status page).",
    },
    "data.subs_lead": {
        "ja": "未反映の提出が {n} 件（{orgs} 団体）あります。現在のデータに重ねて確認し、問題がなければ公開してください。",
        "en": "{n} submission(s) from {orgs} organisation(s) are not published yet. Check them over the current data, then publish.",
    },
    "data.subs_check": {"ja": "月次提出を反映して確認する", "en": "Check with the submissions"},
    "data.changed": {"ja": "変更あり", "en": "changed"},
    "data.added": {"ja": "追加", "en": "added"},
    "data.removed": {"ja": "なし（削除）", "en": "removed"},
    "data.unchanged": {"ja": "変更なし", "en": "unchanged"},
    "data.waves_added": {"ja": "調査の回を追加: {waves}", "en": "Survey waves added: {waves}"},
    "data.months": {"ja": "活動実績の期間: {start}〜{end}", "en": "Activity months: {start} to {end}"},
    "data.orgs": {"ja": "団体数: {before} → {after}", "en": "Organisations: {before} → {after}"},
    "data.responses": {"ja": "回答数: {before:,} → {after:,}", "en": "Responses: {before:,} → {after:,}"},
    "data.no_changes": {
        "ja": "回・期間・団体数に変更はありません。",
        "en": "No change in waves, months or organisations.",
    },
    "data.versions": {"ja": "データの版と、以前の版に戻す", "en": "Data versions and rollback"},
    "data.no_versions": {
        "ja": "版の記録はまだありません。次にデータを更新したときから記録されます。",
        "en": "No versions recorded yet; the next update starts them.",
    },
    "data.versions_help": {
        "ja": "● が会員に表示中の版です。公開した版は新しいものから {keep} 件まで残ります。",
        "en": "● marks the version members see. The newest {keep} published versions are kept.",
    },
    "data.version_pick": {"ja": "版を選ぶ（取り込んだファイルを表示）", "en": "Choose a version (its files)"},
    "data.is_current": {"ja": "この版が表示中です。", "en": "This version is the one shown."},
    "data.rollback_sure": {
        "ja": "版 {version} に戻します（会員の画面が次の操作からこの版になります）",
        "en": "Go back to version {version} (members see it from their next change)",
    },
    "data.rollback": {"ja": "この版に戻す", "en": "Roll back to this version"},
    "data.rolled_back": {"ja": "版 {version} に戻しました。", "en": "Rolled back to version {version}."},
    "data.src.demo": {"ja": "デモデータ", "en": "demo data"},
    "data.src.folder": {"ja": "フォルダ {detail}", "en": "folder {detail}"},
    "data.src.upload": {"ja": "画面から: {detail}", "en": "uploaded: {detail}"},
    "data.src.adopted": {"ja": "版の導入前のデータ", "en": "from before versions"},
    "data.src.submissions": {"ja": "団体の月次提出 {detail}", "en": "monthly submissions {detail}"},
    "data.col.file": {"ja": "ファイル", "en": "File"},
    "data.col.rows_before": {"ja": "行数（現在）", "en": "Rows (current)"},
    "data.col.rows_after": {"ja": "行数（新しい版）", "en": "Rows (new)"},
    "data.col.change": {"ja": "内容", "en": "Content"},
    "data.col.indicator": {"ja": "指標", "en": "Indicator"},
    "data.col.before": {"ja": "現在（{wave}）", "en": "Current ({wave})"},
    "data.col.after": {"ja": "新しい版（{wave}）", "en": "New ({wave})"},
    "data.col.current": {"ja": "表示中", "en": "Shown"},
    "data.col.version": {"ja": "版", "en": "Version"},
    "data.col.built": {"ja": "作成日時（日本時間）", "en": "Built (JST)"},
    "data.col.by": {"ja": "作成・公開した人", "en": "By"},
    "data.col.source": {"ja": "取り込み元", "en": "Source"},
    "data.col.responses": {"ja": "回答数", "en": "Responses"},
    "data.col.waves": {"ja": "調査の回", "en": "Waves"},
    "data.col.months": {"ja": "活動実績の期間", "en": "Activity months"},
    "data.col.extract": {"ja": "種類", "en": "Extract"},
    "data.col.rows": {"ja": "行数", "en": "Rows"},
    "data.col.encoding": {"ja": "文字コード", "en": "Encoding"},
    "data.col.sha": {"ja": "SHA-256（先頭）", "en": "SHA-256 (start)"},
    # sidebar
    "sidebar.language": {"ja": "言語 / Language", "en": "Language / 言語"},
    "sidebar.filters": {"ja": "絞り込み（全ページ共通）", "en": "Filters (all pages)"},
    "sidebar.filters_unused": {
        "ja": "このページでは使いません。ほかのページを開くと、そのまま使われます。",
        "en": "Not used on this page; they apply again when you open another page.",
    },
    "sidebar.reset": {"ja": "絞り込みをリセット", "en": "Reset filters"},
    "sidebar.all": {"ja": "すべて", "en": "All"},
    "sidebar.url_note": {
        "ja": "絞り込みはURLに保存されます。URLをコピーすると同じ表示を共有できます。",
        "en": "Filters are kept in the URL: copy it to share this exact view.",
    },
    "sidebar.filter_note": {
        "ja": "地域・年齢・性別・世帯は、1つの区分か決まったまとまり（例: 16〜39歳、60歳以上）から1つ選べます。"
        "調査方法は無作為抽出か公開Webのどちらか1つです。細かく組み合わせた条件から個人が特定されないようにするためです。",
        "en": "District, age, sex and household each take one group or one of the set combinations "
        "(e.g. 16-39, 60+); the survey channel is the random sample or the open web, never both. "
        "This is so that finely combined filters cannot single out individuals.",
    },
    "url.dropped": {
        "ja": "URLの条件 {items} は使えないため外しました"
        "（絞り込みは1つの区分か、決まったまとまり（例: 16〜39歳、1つの年度）のみ、調査方法は無作為抽出か公開Webの"
        "どちらかのみ選べます）。",
        "en": "The link's condition(s) {items} cannot be used and were removed "
        "(a filter is one group or one of the set combinations, e.g. 16-39, one fiscal year; the survey "
        "channel is the random sample or the open web).",
    },
    "filter.wave.latest": {"ja": "最新（{wave}）", "en": "Latest ({wave})"},
    "filter.wave.none": {"ja": "調査データなし", "en": "No survey data"},
    "filter.channel.open_suffix": {"ja": "（参考）", "en": " (reference)"},
    "filter.placeholder": {"ja": "すべて", "en": "All"},
    # banners and errors
    "banner.demo": {
        "ja": "デモデータ（架空）: この画面の数値は合成された架空のデータです",
        "en": "Demo data (fictitious): the figures on this screen are synthetic, made-up data",
    },
    "banner.open_web": {
        "ja": "公開Web調査の回答を含みます。自ら回答した人の結果で、市民全体を代表しません（参考値）。",
        "en": "Includes open web survey answers: self-selected respondents, not representative of residents (reference only).",
    },
    "error.no_db": {
        "ja": "データベースが見つかりません。`make run` を実行するとデモデータのデータベースを作成して起動します。",
        "en": "The database was not found. `make run` builds the demo database and starts the dashboard.",
    },
    "error.db_open": {
        "ja": "データベースを開けませんでした。管理者にお知らせください（詳しい内容はサーバーのログにあります）。",
        "en": "Could not open the database. Please tell the administrator (the details are in the server's log).",
    },
    "error.db_outdated": {
        "ja": "データベースは古い版で作られていて、表・関数 {tables} がありません。"
        "元のデータから作り直してください: デモデータなら `make db-demo`、"
        "実データなら `python -m data build --from フォルダ`。",
        "en": "The database was built by an older version and lacks the table(s) or function(s) {tables}. "
        "Rebuild it from its extracts: `make db-demo` for the demo data, "
        "`python -m data build --from DIR` for real data.",
    },
    "error.no_data": {
        "ja": "表示できるデータがありません。条件を広げるか（サイドバーの絞り込みを「すべて」に戻すなど）、別の指標・区分を選んでください。",
        "en": "No data to show. Widen the filters (set the sidebar's filters back to All) or choose another indicator or breakdown.",
    },
    "empty.all_suppressed": {
        "ja": "この表はすべての区分が「{suppressed}」です（回答者が少ないため）。条件を広げてください: サイドバーの絞り込みを外す、区分の少ない項目（年齢3区分など）を選ぶ、2つ目の区分をやめる など。",
        "en": "Every group of this table is '{suppressed}' (too few respondents). Widen the view: remove a sidebar filter, choose a breakdown with fewer groups (three age bands), or drop the second breakdown.",
    },
    "directory.none": {
        "ja": "条件に合う相談窓口はありません。検索語を短くするか、分野・地域の絞り込みを外してください。",
        "en": "No consultation window matches. Shorten the search words or remove the field or district filter.",
    },
    "error.section": {
        "ja": "この部分を表示できませんでした: {error}",
        "en": "This part could not be shown: {error}",
    },
    # common
    "common.indicator": {"ja": "指標", "en": "Indicator"},
    "common.estimate": {"ja": "推計値", "en": "Estimate"},
    "common.interval": {"ja": "95%信頼区間", "en": "95% interval"},
    "common.n": {"ja": "回答者数", "en": "Respondents"},
    "common.national": {"ja": "全国", "en": "Japan"},
    "common.city": {"ja": "鶴岡市", "en": "Tsuruoka"},
    "common.table": {"ja": "表", "en": "Table"},
    "common.data_as_of": {"ja": "データ時点", "en": "Data as of"},
    # the (?) help of an indicator (dashboard/help_text.py)
    "help.question": {"ja": "質問と、数えている回答:", "en": "The question, and the answers counted:"},
    "help.all": {"ja": "（上のすべてに当てはまる人の割合）", "en": "(the share to whom all of the above apply)"},
    "help.about": {
        "ja": "この指標の読み方（質問文・95%区間・印の意味）",
        "en": "How to read this indicator (question, 95% interval, marks)",
    },
    "help.counts": {"ja": "{answers}と答えた人の割合", "en": "share answering {answers}"},
    "help.sum": {
        "ja": "各問「{scale}」を1〜4点とし、{n}問の合計が{gte}点以上の人の割合",
        "en": "each item scored 1–4 ({scale}); share whose {n}-item total is {gte} or more",
    },
    "help.interval": {
        "ja": "**95%区間**: 回答者から推計した値の誤差の幅です。同じ方法で調査を繰り返すと、100回のうち95回ほどはこの幅に本当の値が入ります。"
        "幅が広いほど不確かで、2つの区間が大きく重なっていれば、差は偶然かもしれません。",
        "en": "**95% interval**: the margin of error of the estimate. Were the survey repeated the same way, about 95 times in 100 "
        "the true value would fall in it. Wider means less certain; where two intervals overlap a lot, the difference may be chance.",
    },
    "help.marks": {
        "ja": "**{suppressed}**: 回答者が{min_n}人未満のため、個人の特定を防ぐために数値を出していません。"
        "**{low}**: 回答者が少ないか区間が広く、数値は目安です。"
        "**{higher}／{lower}**: 市内のそれ以外の人と比べた差が、偶然では説明しにくい区分です（同じ表で何度も比べることを補正済み）。"
        "印のない区分は「差がない」のではなく、差があるとは言えないという意味です。",
        "en": "**{suppressed}**: fewer than {min_n} respondents, so no figure is given (to protect privacy). "
        "**{low}**: few respondents or a wide interval; a rough figure. "
        "**{higher} / {lower}**: differs from the rest of the city by more than chance explains (corrected for the many "
        "comparisons in one table). No mark does not mean no difference: only that none can be shown.",
    },
    # text alternatives of charts (ui.chart_alt), read by screen readers
    "a11y.chart": {
        "ja": "グラフ「{what}」の内容（{rows}行、下の表と同じ）",
        "en": "Chart '{what}' ({rows} rows, as in the table below)",
    },
    "a11y.chart_more": {"ja": "ほか{more}行は下の表にあります。", "en": "{more} more rows are in the table below."},
    "a11y.map": {"ja": "地域マップ（{what}）", "en": "District map ({what})"},
    # データ時点 on 概要 (dashboard/data_dates.py): what period the figures describe
    "dates.survey": {"ja": "市民調査（{wave}年）の実施期間", "en": "Resident survey ({wave}): fieldwork"},
    "dates.fieldwork_missing": {
        "ja": "未登録（事務局が data/survey_waves.yaml に記入します）",
        "en": "not entered (the secretariat enters it in data/survey_waves.yaml)",
    },
    "dates.demo_period": {"ja": "（デモデータ用の仮の期間）", "en": " (a made-up period for the demo data)"},
    "dates.activity": {"ja": "支援団体の活動記録", "en": "Support organisations' activity records"},
    "dates.months": {"ja": "{first}〜{last}", "en": "{first} to {last}"},
    "dates.population": {"ja": "人口（住民基本台帳、16歳以上）", "en": "Population (residents' register, 16+)"},
    "dates.as_of": {"ja": "{date}現在", "en": "as of {date}"},
    "dates.what": {"ja": "項目", "en": "Data"},
    "dates.when": {"ja": "時点・期間", "en": "Period or date"},
    "dates.note": {
        "ja": "日付はいずれも日本時間です。データを取り込んだ日時は「データと方法」の取り込み記録にあります。",
        "en": "All dates are Japan time. When the data were imported is in the import log on Data and methods.",
    },
    "dates.imported": {"ja": "最後の取り込み: {when}", "en": "Last import: {when}"},
    # national figures known only from a press report (データと方法)
    "methods.press": {"ja": "報道でのみ確認できた全国値", "en": "National figures found only in press reports"},
    "methods.map_scale": {"ja": "地域マップの色の目盛り", "en": "The district map's colour scale"},
    "methods.map_scale_text": {
        "ja": "地域マップの色は **0% から始まる** 一方向の目盛り（viridis）です。最小値から最大値に引き伸ばした目盛りでは、"
        "2.4%と5.9%のような小さな差や、信頼区間が重なっていて偶然でも説明できる差が、極端な違いに見えてしまうためです。"
        "市全体の値を中心に色分けする方法も検討しましたが、差が有意でない地域まで「高い」「低い」の色に見えるため採りませんでした。"
        "市内のそれ以外の人との差が有意な地域（高い／低い）は、太い黒の枠線と地域名の「▲高い」「▼低い」で示します。"
        "参考値の地域は白い斜線を重ね、色の濃淡とは別の印で示します。秘匿の地域は灰色で、数値を表示しません。",
        "en": "The map's colours run on one scale **starting at 0%** (viridis). A scale stretched from the smallest to the "
        "largest value makes small differences, such as 2.4% against 5.9%, and differences whose intervals overlap look "
        "dramatic. A diverging scale centred on the city value was considered and not used: it colours districts that do "
        "not differ significantly as if they were high or low. Districts that differ significantly from the rest of the "
        "city (higher / lower) have a thick black outline and ▲higher / ▼lower beside their name. Reference-only "
        "districts carry white hatching over their colour, a mark no shade of the scale can be taken for; suppressed "
        "districts are grey and show no figure.",
    },
    "methods.press_text": {
        "ja": "次の全国値は、政府の公表資料では確認できず、報道で確認したものです。全国との比較では「報道による」と表示しています。公表資料で確認でき次第、出典を差し替えます。",
        "en": "The national figures below were found in a press report, not in a government publication; the comparison marks them as from a press report. Their source will be replaced once the publication is found.",
    },
    "methods.press_year": {"ja": "調査年", "en": "Survey year"},
    "methods.press_group": {"ja": "区分", "en": "Group"},
    "methods.press_value": {"ja": "全国値（%）", "en": "National (%)"},
    "methods.press_report": {"ja": "報道", "en": "Report"},
    "common.filters_now": {"ja": "表示中の条件", "en": "Current view"},
    "common.source": {"ja": "出典", "en": "Source"},
    "common.none": {"ja": "なし", "en": "none"},
    "common.pct": {"ja": "%", "en": "%"},
    "common.status": {"ja": "表示", "en": "Status"},
    "common.yes": {"ja": "はい", "en": "Yes"},
    "common.difference": {"ja": "市全体との差", "en": "vs rest of city"},
    # marks legend
    "marks.legend": {
        "ja": "**{suppressed}**: 回答者（調整後）が{min_n}人未満のため数値を表示しません（個人の特定を防ぐため）。"
        "**{low}**: 有効回答が少ないか信頼区間が広く、数値は目安です（棒グラフは淡い色と点線の枠、ヒートマップは黒い点線の枠と「参考」、地域マップは白い斜線で表示）。"
        "**{higher}/{lower}**: 市内のそれ以外の人との差が、偶然では説明しにくい区分（同じ表の中で何度も比べることを考慮して補正）。"
        "{low}・{suppressed}の区分には付けません。",
        "en": "**{suppressed}**: fewer than {min_n} respondents (after adjustment), so no figure is shown (to protect privacy). "
        "**{low}**: few effective respondents or a wide interval; treat as indicative (bars: pale with a dotted "
        "outline; heatmap: a black dashed frame and 'ref.'; district map: white hatching). "
        "**{higher}/{lower}**: differs from the rest of the city by more than chance would explain, after a correction "
        "for the many comparisons in one table; never on {low} or {suppressed} groups.",
    },
    "marks.ordinary": {"ja": "通常", "en": "ordinary"},
    # downloads
    "download.csv": {"ja": "CSVをダウンロード", "en": "Download CSV"},
    "download.encoding": {"ja": "文字コード", "en": "Encoding"},
    "download.utf8": {"ja": "UTF-8（BOM付き）", "en": "UTF-8 (with BOM)"},
    "download.cp932": {"ja": "Shift_JIS（Excel旧版向け）", "en": "Shift_JIS (older Excel)"},
    "download.cp932_warn": {
        "ja": "Shift_JISで表せない文字を置き換えました: {chars}",
        "en": "Characters Shift_JIS cannot encode were replaced: {chars}",
    },
    # CSV layouts (dashboard/csv_layouts.py): figures as numbers, display texts in their own columns
    "csv.national_pct": {"ja": "全国(%)", "en": "national_pct"},
    "csv.series_of": {"ja": "対象", "en": "series"},
    "csv.residents_est": {"ja": "孤独感が時々以上の住民（推計）", "en": "residents_lonely_est"},
    "csv.residents_low": {"ja": "同 95%信頼区間下限", "en": "residents_lonely_low"},
    "csv.residents_high": {"ja": "同 95%信頼区間上限", "en": "residents_lonely_high"},
    "csv.display_suffix": {"ja": "（表示）", "en": " (display)"},
    # the one-page summary (dashboard/printouts/summary.py)
    "summary.button": {"ja": "概要1枚（A4 PDF）を作成", "en": "Make the one-page summary (A4 PDF)"},
    "summary.download": {"ja": "概要1枚をダウンロード", "en": "Download the one-page summary"},
    "summary.making": {"ja": "概要1枚を作成しています…", "en": "Making the one-page summary…"},
    "summary.title": {"ja": "孤独・孤立の状況（概要）", "en": "Loneliness and isolation: summary"},
    "summary.activity": {"ja": "支援団体の活動", "en": "Support organisations' activity"},
    "summary.activity_year": {"ja": "{year}（相談件数・新規・訪問）", "en": "{year} (consultations, new, outreach)"},
    "summary.wave": {"ja": "市民調査", "en": "Survey"},
    "summary.fieldwork": {"ja": "{wave}（回答 {n}人）", "en": "{wave} ({n} respondents)"},
    "summary.activity_months": {"ja": "活動記録", "en": "Activity records"},
    "summary.population_as_of": {"ja": "人口", "en": "Population"},
    "summary.made": {"ja": "作成", "en": "Made"},
    "summary.demo": {"ja": "デモデータ（架空）", "en": "Demo data (fictitious)"},
    "summary.marks": {
        "ja": "{suppressed}: 回答者（調整後）が{min_n}人未満のため数値を表示しません。{low}: 回答が少ないか区間が広く、目安です。"
        "95%信頼区間: 調査の誤差を考えると、本当の値がこの範囲にあると考えられる幅です。全国: 内閣官房・内閣府の全国調査（年）。",
        "en": "{suppressed}: fewer than {min_n} respondents (after adjustment), no figure shown. {low}: few respondents "
        "or a wide interval, indicative only. 95% interval: the range the true value is likely in, given the survey's error. "
        "Japan: the Cabinet Secretariat / Cabinet Office national survey (year).",
    },
    "summary.sources": {
        "ja": "出典: 鶴岡市 市民調査（無作為抽出）、支援団体の活動記録、住民基本台帳人口。全国値と調査方法は、ダッシュボードの「全国との比較」「データと方法」をご覧ください。",
        "en": "Sources: Tsuruoka residents' survey (random sample), the support organisations' records, the resident register. "
        "National figures and methods: see 全国との比較 and データと方法 in the dashboard.",
    },
    # the residents' leaflet (dashboard/printouts/leaflet.py)
    "leaflet.button": {"ja": "住民向けチラシ（PDF）を作成", "en": "Make the residents' leaflet (PDF)"},
    "leaflet.download": {"ja": "チラシをダウンロード", "en": "Download the leaflet"},
    "leaflet.making": {"ja": "チラシを作成しています…", "en": "Making the leaflet…"},
    "leaflet.title": {"ja": "ひとりで悩んでいませんか", "en": "Are you struggling alone?"},
    "leaflet.lead": {
        "ja": "鶴岡市には、暮らしの困りごとや気持ちのつらさを相談できる窓口があります。相談は無料、秘密は守られます。"
        "どこに相談すればよいか分からないときも、まずは近くの窓口にお電話ください。",
        "en": "Tsuruoka has windows where you can talk about everyday troubles or how you feel. Consultations "
        "are free and confidential. If you are not sure where to go, call the nearest window first.",
    },
    "leaflet.worry": {"ja": "{field}のことで悩んでいる", "en": "Worried about: {field}"},
    "leaflet.district": {"ja": "{district}地域版", "en": "{district} edition"},
    "leaflet.footer": {
        "ja": "鶴岡市 孤独・孤立対策官民連携プラットフォーム　掲載内容は{date}時点の相談窓口一覧によります。",
        "en": "Tsuruoka City public-private platform on loneliness and isolation. From the directory as of {date}.",
    },
    "leaflet.emergency": {
        "ja": "いのちに関わる緊急のときは 119（救急）・110（警察）へ",
        "en": "In an emergency call 119 (ambulance) or 110 (police)",
    },
    "leaflet.none": {"ja": "該当する窓口はありません", "en": "No window listed"},
    # the leaflet's worries, one per field of the codebook (codes 1-9), in the residents' words
    "leaflet.field.1": {"ja": "高齢の家族や自分の暮らしのこと", "en": "Older people"},
    "leaflet.field.2": {"ja": "子ども・若者のこと", "en": "Children and young people"},
    "leaflet.field.3": {"ja": "ひきこもりのこと", "en": "Social withdrawal (hikikomori)"},
    "leaflet.field.4": {"ja": "こころのつらさ・死にたい気持ち", "en": "Feeling low, thoughts of suicide"},
    "leaflet.field.5": {"ja": "生活やお金に困っている", "en": "Money and making ends meet"},
    "leaflet.field.6": {"ja": "障害のこと", "en": "Disability"},
    "leaflet.field.7": {"ja": "子育てのこと", "en": "Raising children"},
    "leaflet.field.8": {"ja": "地域の居場所・つながり", "en": "Places to go, people to meet"},
    "leaflet.field.9": {"ja": "そのほかの困りごと", "en": "Other worries"},
    # overview
    "overview.headline": {"ja": "主な指標", "en": "Headline indicators"},
    "overview.who": {"ja": "回答者の構成", "en": "Who answered"},
    "overview.who_caption": {
        "ja": "表示中の調査年・調査方法の回答者全体の割合（重み付け前）と、16歳以上人口の割合。差は重み付け（レイキング）で補正されます。"
        "回答者が{min_n}人未満の区分は「{suppressed}」とし、人数も割合も表示しません。調査年・調査方法以外の絞り込みはここには効きません。",
        "en": "Share of all respondents of the survey year and channel in view (unweighted) and of residents aged 16+. Weighting (raking) corrects the difference. "
        "Groups of fewer than {min_n} respondents show only '{suppressed}', with neither count nor share. Filters other than survey year and channel do not apply here.",
    },
    "overview.respondents": {"ja": "回答者", "en": "Respondents"},
    "overview.population": {"ja": "人口（16歳以上）", "en": "Population (16+)"},
    "overview.share": {"ja": "割合（%）", "en": "Share (%)"},
    "overview.group": {"ja": "区分", "en": "Group"},
    "overview.series": {"ja": "系列", "en": "Series"},
    "overview.count": {"ja": "人数", "en": "Count"},
    "overview.suppressed_card": {
        "ja": "回答者が{min_n}人未満のため表示しません",
        "en": "Fewer than {min_n} respondents: not shown",
    },
    "overview.national_short": {"ja": "全国 {value}%（{year}年）", "en": "Japan {value}% ({year})"},
    "overview.national_missing": {"ja": "全国値なし", "en": "no national figure"},
    "overview.press_mark": {"ja": "・報道による", "en": ", from a press report"},
    "overview.import_log": {"ja": "取り込んだデータ", "en": "Imported data"},
    # breakdown
    "breakdown.by1": {"ja": "内訳の軸", "en": "Break down by"},
    "breakdown.by2": {"ja": "2つ目の軸（任意）", "en": "Second dimension (optional)"},
    "breakdown.none": {"ja": "なし", "en": "none"},
    "breakdown.view": {"ja": "2軸の表示", "en": "Two-dimension view"},
    "breakdown.heatmap": {"ja": "ヒートマップ", "en": "Heatmap"},
    "breakdown.multiples": {"ja": "区分ごとに並べたグラフ", "en": "Small multiples"},
    "breakdown.whisker_note": {
        "ja": "棒は推計値、ひげは95%信頼区間。点線は市全体の値。",
        "en": "Bars are estimates, whiskers 95% intervals. The dotted line is the whole city.",
    },
    "breakdown.marks_note": {
        "ja": "{higher}・{lower}は、その区分以外の人との差が偶然では説明しにくいものだけに付けています"
        "（同じ表の中で何度も比べることを考慮した補正後）。棒が高くても、回答者が少なければ印は付きません。"
        "{low}・{suppressed}の区分には付けません。",
        "en": "'{higher}' and '{lower}' mark only differences from everyone else that chance is unlikely to explain "
        "(after a correction for comparing many groups in the same table). A taller bar gets no mark when few people "
        "answered. {low} and {suppressed} groups are never marked.",
    },
    "breakdown.heatmap_note": {
        "ja": "黒い点線の枠と「参考」の付いた欄は{low}（色は推計値どおり）。灰色の「秘匿」は回答者が少ないため数値を表示しません。",
        "en": "Cells with a black dashed frame and 'ref.': {low} (coloured by their estimate). Grey 'suppressed': too few respondents to show a figure.",
    },
    # trends (推移)
    "trend.by": {"ja": "区分の軸", "en": "Break down by"},
    "trend.city": {"ja": "鶴岡市", "en": "Tsuruoka"},
    "trend.national": {"ja": "全国", "en": "Japan"},
    "trend.series": {"ja": "系列", "en": "Series"},
    "trend.year": {"ja": "調査年", "en": "Survey year"},
    "trend.change": {"ja": "変化", "en": "Change"},
    "trend.sig_prev": {"ja": "前回比で有意", "en": "sig. vs previous"},
    "trend.sig_first": {"ja": "初回比で有意", "en": "sig. vs first"},
    "trend.lead": {
        "ja": "調査年ごとの推計値（点）と95%信頼区間（縦線）です。灰色の破線は全国調査の値（同じ質問・同じ区分が公表されている年だけ）。",
        "en": "Estimates by survey year (points) with 95% intervals (vertical lines). The grey dashed line is the national survey, "
        "only for the years that publish the same question for the same group.",
    },
    "trend.change_note": {
        "ja": "「有意な変化」は、前回（または初回）の調査からの変化が偶然では説明しにくいものだけに付けています。"
        "両年の有効回答数を使った比率の差の検定を、同じ表の区分どうしでまとめてHolm法で補正した後、5%水準で有意な場合です。"
        "変化の信頼区間が0をまたがなくても、補正後に有意でなければ印は付きません。{low}・{suppressed}の年を含む変化は検定しません。",
        "en": "'Significant change' marks only changes from the previous (or first) wave that chance is unlikely to explain: "
        "a difference-of-proportions test with both waves' effective sample sizes, adjusted across the table's groups with Holm's method, "
        "significant at 5%. A change whose interval excludes 0 may still be unmarked after the correction. Changes involving a "
        "{low} or {suppressed} wave are not tested.",
    },
    "trend.national_note": {
        "ja": "全国値の出典: {sources}。全国値は{base}で、市の推計値（無回答を除く）とは分母が少し異なります。",
        "en": "National figures: {sources}. They are {base}; the city's estimates leave no-answers out.",
    },
    "trend.national_sources": {"ja": "全国値の出典", "en": "Sources of the national figures"},
    "trend.national_base": {
        "ja": "全国値は{base}です。市の推計値は無回答を除いて計算しているため、分母が少し異なります。",
        "en": "National figures: {base}. The city's estimates leave no-answers out, so the base differs slightly.",
    },
    "trend.no_national": {
        "ja": "この指標・区分の全国値は公表されていないため、全国の線はありません。",
        "en": "No national figure is published for this indicator and breakdown: no national line.",
    },
    "trend.first_table": {"ja": "初回調査（{first}）からの変化", "en": "Change since the first wave ({first})"},
    "trend.one_wave": {
        "ja": "調査が1回分しかないため、変化はまだ示せません。",
        "en": "Only one survey wave so far: no change to show yet.",
    },
    "trend.wave_filter_note": {
        "ja": "推移は、サイドバーの調査年にかかわらず、すべての調査年を表示します。",
        "en": "Trends show every survey year, whatever the sidebar's survey year.",
    },
    # map
    "map.caption_approx": {
        "ja": "地域の境界は位置と面積のおおよそを示す模式図です（正確な境界ではありません）。",
        "en": "District boundaries are a schematic showing rough position and size (not exact boundaries).",
    },
    "map.windows": {
        "ja": "相談窓口（位置のある団体）を表示",
        "en": "Show consultation windows (organisations with a location)",
    },
    "map.legend": {"ja": "凡例", "en": "Legend"},
    "map.suppressed_grey": {"ja": "灰色: 秘匿（回答者が少ない）", "en": "Grey: suppressed (too few respondents)"},
    "map.scale_from_zero": {"ja": "（色は0%から）", "en": "(colours start at 0%)"},
    "map.significant": {
        "ja": "太い黒枠・▲▼: 市内のそれ以外の人より{higher}／{lower}（有意な差）",
        "en": "Thick black outline, ▲▼: {higher} / {lower} than the rest of the city (significant)",
    },
    "map.low_hatch": {"ja": "白い斜線: {low}（数値は目安）", "en": "White hatching: {low} (a rough figure)"},
    "map.static_significant": {"ja": "黒枠▲▼={higher}/{lower}", "en": "black edge ▲▼ = {higher}/{lower}"},
    "map.static_low": {"ja": "白斜線={low}", "en": "white hatch = {low}"},
    "map.static_windows": {"ja": "黒い点=相談窓口", "en": "black dot = consultation window"},
    "map.window_point": {"ja": "黒い点: 相談窓口", "en": "Black dots: consultation windows"},
    "map.no_geo": {
        "ja": "地域の境界データを読み込めませんでした（詳しい内容はサーバーのログにあります）。",
        "en": "Could not load district boundaries (the details are in the server's log).",
    },
    # activity
    "activity.monthly": {"ja": "月別の相談件数", "en": "Consultations by month"},
    "activity.fiscal": {"ja": "年度別の相談件数", "en": "Consultations by fiscal year"},
    "activity.by": {"ja": "内訳", "en": "Split by"},
    "activity.total": {"ja": "合計", "en": "Total"},
    "activity.referrals": {"ja": "団体間のつなぎ（紹介）", "en": "Referrals between organisations"},
    "activity.referral_level": {"ja": "単位", "en": "Level"},
    "activity.level_org_type": {"ja": "団体の種別", "en": "Organisation type"},
    "activity.level_org": {"ja": "団体", "en": "Organisation"},
    "activity.too_many_orgs": {
        "ja": "団体が多すぎるため（{count:,}団体、上限{limit:,}）団体別には表示できません。"
        "年度で期間を絞り込むか、団体の種別単位で表示してください。下は団体の種別単位の表です。",
        "en": "Too many organisations to show one by one ({count:,}; the limit is {limit:,}). "
        "Narrow the period to fiscal years, or show it by organisation type: "
        "the table by organisation type is shown below.",
    },
    "activity.need": {
        "ja": "地域別: 孤独感のある住民（推計）と相談件数",
        "en": "By district: estimated lonely residents and consultations",
    },
    "activity.need_caption": {
        "ja": "支援が届いていない可能性のある地域を見つけるため、孤独感が「時々ある」以上の住民数の推計と、その地域の相談件数を並べています。",
        "en": "To find districts where support may not be reaching people: estimated residents lonely some of the time or more, beside consultations there.",
    },
    "activity.fiscal_year": {"ja": "年度", "en": "Fiscal year"},
    "activity.all_years": {"ja": "全期間", "en": "All years"},
    "activity.small_note": {
        "ja": "件数が1〜4件の欄は「<5」と表示しています。",
        "en": 'Counts of 1-4 show as "<5".',
    },
    "activity.members": {"ja": "会員団体（種別×分野）", "en": "Member organisations (type × field)"},
    "activity.members_note": {
        "ja": "会員団体の数は公開されている登録情報をそのまま数えたもので、調整は加えていません。",
        "en": "Member organisations are counted from the public register as they are, without adjustment.",
    },
    "activity.rates": {"ja": "16歳以上人口千人あたりの相談件数", "en": "Consultations per 1,000 residents aged 16+"},
    "activity.residents_lonely": {
        "ja": "孤独感が時々以上の住民（推計・95%区間）",
        "en": "Residents lonely sometimes+ (estimate, 95% interval)",
    },
    "activity.consultations": {"ja": "相談件数", "en": "Consultations"},
    "activity.from": {"ja": "紹介元", "en": "From"},
    "activity.to": {"ja": "紹介先", "en": "To"},
    "activity.count": {"ja": "件数", "en": "Count"},
    "activity.month": {"ja": "月", "en": "Month"},
    # where a view's figures come from (slides and handouts: dashboard.content)
    "members.count": {"ja": "団体数", "en": "Organisations"},
    "source.survey": {
        "ja": "鶴岡市 市民調査（{wave}・{channel}）",
        "en": "Tsuruoka resident survey ({wave}, {channel})",
    },
    "source.activity": {
        "ja": "プラットフォーム参加団体の活動実績（月次報告）",
        "en": "Activity reported monthly by platform organisations",
    },
    "source.referrals": {
        "ja": "参加団体間のつなぎ（紹介）の記録",
        "en": "Referrals recorded between platform organisations",
    },
    "source.population": {"ja": "住民基本台帳人口（16歳以上）", "en": "Residents' register population (aged 16+)"},
    "source.organisations": {"ja": "プラットフォーム参加団体の登録情報", "en": "Register of platform organisations"},
    # national
    "national.caption": {
        "ja": "全国値は「孤独・孤立の実態把握に関する全国調査（人々のつながりに関する基礎調査）」（内閣官房・内閣府）の公表値（出典は表の下）。報道でしか確認できない値には「報道による」と付けています。市の値は現在の絞り込みでの推計です。",
        "en": "National figures: the National Survey on Loneliness and Isolation (Basic Survey on People's Connections; Cabinet Secretariat / Cabinet Office), as published (sources below the table). Figures found only in a press report say so. City figures are estimates for the current filters.",
    },
    "national.year": {"ja": "全国の年", "en": "Japan: year"},
    "national.base": {"ja": "全国値の母数", "en": "Japan: base"},
    "national.none": {
        "ja": "この絞り込みに対応する全国の公表値はありません。",
        "en": "No published national figure matches these filters.",
    },
    # directory
    "directory.search": {"ja": "キーワードで検索（団体名・住所など）", "en": "Search (name, address…)"},
    "directory.field": {"ja": "分野", "en": "Field"},
    "directory.district": {"ja": "地域", "en": "District"},
    "directory.print": {"ja": "印刷用の表示", "en": "Print layout"},
    "directory.print_hint": {
        "ja": "ブラウザの印刷（Ctrl+P）で、サイドバーを除いた一覧を印刷できます。",
        "en": "Use the browser's print (Ctrl+P): the sidebar is left out of the printout.",
    },
    "directory.count": {"ja": "{n}件の窓口", "en": "{n} consultation windows"},
    "directory.intro": {
        "ja": "孤独・孤立に関する相談窓口です。ひとりで悩まず、お気軽にご相談ください。",
        "en": "Consultation windows on loneliness and isolation. Please feel free to get in touch.",
    },
    # methods
    "methods.sources": {"ja": "データの出典", "en": "Data sources"},
    "methods.indicators": {"ja": "指標の定義", "en": "Indicator definitions"},
    "methods.weighting": {"ja": "重み付け", "en": "Weighting"},
    "methods.intervals": {"ja": "信頼区間と差の判定", "en": "Intervals and differences"},
    "methods.disclosure": {"ja": "秘匿と参考値のルール", "en": "Disclosure rules"},
    "methods.cellkey": {"ja": "数値のわずかな調整（セルキー法）", "en": "Slightly adjusted figures (cell-key method)"},
    "methods.ptable_caption": {
        "ja": "調整表（ptable）の設定。「調整なしの割合」は、{d_survey}人（公開Webは{d_open}人）・{d_activity}件以上の欄で"
        "調整が0になる割合です。",
        "en": "Settings of the perturbation tables (ptables). 'Unchanged' is the share of cells of at least "
        "{d_survey} respondents ({d_open} on the open web) / {d_activity} counts whose adjustment is 0.",
    },
    "methods.ptable_what": {"ja": "対象", "en": "Applies to"},
    "methods.ptable_survey": {
        "ja": "市民調査の人数（回答者数・該当者数・回答者の構成）",
        "en": "Survey counts (respondents, respondents with the trait, who answered)",
    },
    "methods.ptable_survey_open": {
        "ja": "公開Web調査の人数（重みがすべて1のため、調整を大きく）",
        "en": "Open-web survey counts (its weights are all 1, so the adjustment is larger)",
    },
    "methods.ptable_activity": {
        "ja": "支援団体の件数（相談・新規・訪問・つなぎ）",
        "en": "Activity counts (consultations, new cases, outreach, referrals)",
    },
    "methods.ptable_d": {"ja": "最大の調整幅（±D）", "en": "Largest change (±D)"},
    "methods.ptable_v": {"ja": "調整の分散（V）", "en": "Variance (V)"},
    "methods.ptable_p0": {"ja": "調整なしの割合", "en": "Unchanged"},
    "methods.cost": {"ja": "調整による統計上の影響", "en": "What the adjustment costs in accuracy"},
    "methods.cost_item": {"ja": "項目", "en": "Measure"},
    "methods.cost_value": {"ja": "測定値", "en": "Measured"},
    "methods.cost_target": {"ja": "目標", "en": "Target"},
    "methods.cost_survey": {
        "ja": "推計値の平均の変化（回答者100人以上の区分）",
        "en": "Mean change of estimates (groups of 100 respondents or more)",
    },
    "methods.cost_activity": {"ja": "支援団体の件数の合計の平均の変化", "en": "Mean change of activity totals"},
    "methods.cost_coverage": {
        "ja": "95%信頼区間が本当の値を含む割合（模擬計算）",
        "en": "95% intervals covering the true value (simulation)",
    },
    # units and targets of the cost rows; the targets are written out, not as ≤/≥: the shipped
    # BIZ UDPGothic draws U+2264 and U+2265 the wrong way round
    "methods.cost_survey_unit": {"ja": "ポイント", "en": " points"},
    "methods.cost_survey_target": {"ja": "0.3ポイント以下", "en": "at most 0.3 points"},
    "methods.cost_activity_unit": {"ja": "%", "en": "%"},
    "methods.cost_activity_target": {"ja": "1%以下", "en": "at most 1%"},
    "methods.cost_coverage_unit": {"ja": "%", "en": "%"},
    "methods.cost_coverage_target": {"ja": "94%以上", "en": "at least 94%"},
    "methods.cost_pending": {"ja": "測定後に掲載します", "en": "to be published after measurement"},
    "methods.cost_measured_on": {"ja": "測定: {what}", "en": "Measured on: {what}"},
    "methods.import_log": {"ja": "取り込みの記録", "en": "Import log"},
    # the import log's columns (tables.import_log_table)
    "log.extract": {"ja": "データ", "en": "Extract"},
    "log.file_name": {"ja": "ファイル", "en": "File"},
    "log.rows": {"ja": "行数", "en": "Rows"},
    "log.encoding": {"ja": "文字コード", "en": "Encoding"},
    "log.built_at": {"ja": "取り込み日時（日本時間）", "en": "Imported at (JST)"},
    "log.is_demo": {"ja": "デモ", "en": "Demo"},
    "log.sha256": {"ja": "SHA-256（先頭12桁）", "en": "SHA-256 (first 12)"},
    "methods.numerator": {"ja": "分子（該当する回答）", "en": "Numerator (answers counted)"},
    "methods.denominator": {"ja": "分母", "en": "Denominator"},
    "methods.denominator_text": {
        "ja": "使う質問すべてに回答した人（無回答は除く）",
        "en": "Respondents who answered every item used (no answer left out)",
    },
}

# Longer explanatory paragraphs of the methods page.
METHODS_TEXT: dict[str, dict[str, str]] = {
    "sources": {
        "ja": "- 市民調査: 国の「人々のつながりに関する基礎調査」の質問を踏襲した鶴岡市の調査。住民基本台帳からの無作為抽出（郵送・Web回答）と、誰でも回答できる公開Web調査（市報・HP・SNSで告知）の2種類。\n"
        "- 人口: 住民基本台帳の地域・年齢・性別の人口（16歳以上）。\n"
        "- 支援団体の活動: プラットフォーム参加団体が提出する月別・地域別・分野別の相談件数、新規件数、訪問・アウトリーチ件数と、団体間のつなぎ（紹介）件数。\n"
        "- 全国値: 内閣官房・内閣府 孤独・孤立対策推進室の公表資料（各行に出典）。",
        "en": "- Resident survey: Tsuruoka's survey following the questions of the national survey on people's connections; a random sample from the residents' register (post or web) and an open web survey anyone could answer (announced in the bulletin, website and SNS).\n"
        "- Population: residents' register by district, age band and sex (aged 16+).\n"
        "- Support activity: monthly consultations, new cases and outreach by district and field reported by platform organisations, and referrals between organisations.\n"
        "- National figures: published material of the Cabinet Secretariat / Cabinet Office unit for loneliness and isolation (source on each row).",
    },
    "weighting": {
        "ja": "無作為抽出調査の回答は、人口の年齢×性別と地域の構成に合うよう重み付け（レイキング）します。調査会社のウェイトがある場合はそれを使います。公開Web調査の回答は重み1で、利用者が選んだときだけ集計に含め、「参考（公開Web調査）」と表示します。",
        "en": "Random-sample answers are weighted (raked) to the population's age × sex and district margins; a vendor's weight is used when supplied. Open web answers carry weight 1, are included only when the user asks, and are labelled reference (open web survey).",
    },
    "intervals": {
        "ja": "推計値は重み付き割合（%）。95%信頼区間はWilsonのスコア区間（z = {z}）で、回答者数の代わりに有効回答数を使います。有効回答数は、無作為抽出調査では下の再標本（ブートストラップ）で測った推計値のばらつきから、それ以外（公開Web調査、調査会社のウェイト、相談相手別の内訳）ではKishの式 n_eff = (Σw)² / Σw² で求めます。「高い／低い」は、その区分と市内のそれ以外の人との差を比率の差の検定（有効回答数を使用、全国調査と同じ考え方）で調べ、下の補正の後も5%水準で有意な場合だけ表示します。",
        "en": "Estimates are weighted percentages. The 95% interval is the Wilson score interval (z = {z}) with an effective sample size in place of the number of respondents: for the random sample, from the spread of the estimate over the bootstrap replicates below; elsewhere (open web, a vendor's weights, breakdowns by confidant) Kish's n_eff = (Σw)² / Σw². 'Higher/lower' tests the group against the rest of the city (difference of proportions with the effective sample sizes, as the national survey does) and is shown only where it is significant at the 5% level after the correction below.",
    },
    "replicates": {
        "ja": "**重み付け（レイキング）を反映した信頼区間**: データを取り込むとき、無作為抽出調査の回答者を地域ごとに復元抽出し直した「再標本」を調査年ごとに200組作り、それぞれを本番と同じ方法で人口に合わせて重み付けし直します。"
        "再標本ごとの推計値のばらつき（分散）から、その区分の推計値がどれだけ揺れるかを測り、同じ揺れになる有効回答数（回答者数 ÷ デザイン効果）をWilsonの区間に使います。"
        "Wilsonの形はそのままなので、割合が小さい区分でも区間が0%を下回りません。Kishの式は重みのばらつきしか見ませんが、この方法は人口に合わせて重み付けしたことによる精度の違いも反映します。"
        "200組は、ばらつきの測り方の誤差が区間の幅で約±5%に収まり、100万件の試験データでも取り込みが2分以内に収まる数です。"
        "ばらつきは調整前の値から求めたデザイン効果として使い、回答者数は調整後の値を使うので、区間から本当の人数は分かりません。\n\n"
        "デモデータでの従来（Kishの式）との比較: 3年×9指標×4区分（年齢・性別・地域・世帯）の表に表示される約730行で、区間の幅は中央値1.00倍、8割の行が0.93〜1.09倍で、全体としてはほぼ同じです。"
        "広がったのは主に回答者の少ない地域（朝日で平均1.07倍、最大約1.6倍）、狭まったのは重み付けの区分と重なる年齢の区分など（16〜19歳で平均0.94倍、最小約0.75倍）です。"
        "模擬データ（約1,500人の調査80回、100組の再標本）では、区間が真の値を含む割合は95.3%（従来の区間は95.6%、目標94%以上）でした。",
        "en": "**Intervals that know the raking**: at each import, 200 bootstrap replicates of each wave's random sample are made (respondents resampled with replacement within each district) and each is raked again to the population exactly as the weights are. "
        "The spread of the estimate over the replicates (its variance) gives the effective sample size with the same spread (respondents ÷ design effect), used in Wilson's interval. "
        "Wilson's shape is kept, so a small proportion's interval never goes below 0%. Kish's formula sees only the spread of the weights; the replicates also see what raking to the population does to the precision. "
        "200 replicates measure the spread to about ±5% of the interval's width and keep the import of the million-response test data under two minutes. "
        "The spread enters as a design effect of the unadjusted data and the respondents as adjusted, so an interval does not reveal a true count.\n\n"
        "Compared with the previous interval (Kish's) on the demo data: over the about 730 rows the tables by age, sex, district and household show for 3 waves × 9 indicators, the width is about the same overall (median 1.00×, 8 rows in 10 between 0.93× and 1.09×). "
        "It is wider mainly in districts with few respondents (Asahi 1.07× on average, at most about 1.6×) and narrower for groups the raking margins overlap, such as age bands (16-19 0.94× on average, at least about 0.75×). "
        "In simulated surveys (80 of about 1,500 respondents, 100 replicates) the interval covered the true value 95.3% of the time (the previous interval 95.6%; target at least 94%).",
    },
    "multiple": {
        "ja": "**同じ表の中で何度も比べることの補正（多重比較）**: 表の区分ごとに、それ以外の人と比べます。区分が多いほど、本当は差がなくても、どこかに偶然「{higher}／{lower}」が付きやすくなります。"
        "そこで、同じ表の中の検定のp値をまとめてHolm法で補正し（statsmodels の multipletests）、補正後のp値が0.05以下の区分だけに印を付けます。補正後のp値は、表とCSVの「調整済みp値」の列にあります。"
        "「{low}」と「{suppressed}」の区分は検定せず、補正の対象にも含めません。差のない模擬データで、何らかの印が付く表は補正前の約23%から約5%に下がり、単身世帯が他より10ポイント高い場合に「{higher}」と示せるのは約8割の表です。",
        "en": "**Correction for many comparisons in one table**: each group of a table is compared with everyone else. The more groups, the likelier a chance '{higher}/{lower}' somewhere even when nothing differs. "
        "So the p-values of one table's tests are adjusted together with Holm's method (statsmodels' multipletests), and a group is marked only where its adjusted p-value is 0.05 or less; it is the table's and the CSV's p_adjusted column. "
        "'{low}' and '{suppressed}' groups are not tested and not counted in the correction. On simulated data with no differences, the share of tables with any mark falls from about 23% to about 5%; single-person households 10 points above everyone else are still marked '{higher}' in about 8 tables out of 10.",
    },
    "trends": {
        "ja": "**推移と変化の検定**: 「推移」ページでは、調査年ごとの推計値と、前回・初回の調査からの変化（ポイント）を示します。"
        "変化の95%信頼区間は、両年の95%信頼区間を組み合わせて求めます（Newcombe の方法。各年の区間の計算方法が変われば、変化の区間も同じように変わります）。"
        "変化の検定は、両年の有効回答数を使った比率の差の検定で、同じ表の区分（地域など）の検定をまとめてHolm法で補正し、補正後のp値が0.05以下のときだけ「有意な変化」とします。"
        "市全体の行は、それだけで検定します。「{low}」「{suppressed}」の年を含む変化は検定しません。"
        "この計算は、回答データから独立に計算した値（pandas による重み付き集計と、手で書いたHolm法）と一致することをテストで確かめています。"
        "また、変化のない模擬データ（297組の比較）で「有意な変化」が付いたのは4.7%でした（補正しなければ約21%）。"
        "一方、単身世帯（1回の調査で約250人）の割合が10ポイント変わった場合に「有意な変化」と示せたのは約3割です。"
        "1回1,500人の調査では、小さな区分の変化は、大きな変化でなければ示せません。印がないことは「変化がない」ことを意味しません。",
        "en": "**Trends and tests of change**: the Trends page shows each survey year's estimate and the change (in points) from the previous and from the first wave. "
        "The change's 95% interval combines the two waves' own 95% intervals (Newcombe's method: if the yearly intervals are computed differently, so is the change's). "
        "The test is a difference of proportions with both waves' effective sample sizes; the tests of one table's groups (districts, say) are adjusted together with Holm's method, and a change is 'significant' only where its adjusted p-value is 0.05 or less. "
        "The city row is tested on its own. Changes involving a '{low}' or '{suppressed}' wave are not tested. "
        "Tests check these figures against an independent computation from the answers (weighted sums in pandas and Holm's method written by hand), "
        "On simulated data with no change, 4.7% of 297 comparisons showed a significant change (about 21% without the correction). "
        "A 10-point change among single-person households (about 250 respondents a wave) was found in about 3 comparisons in 10: "
        "with 1,500 respondents a wave, only large changes in small groups can be shown. No mark does not mean no change.",
    },
    "disclosure": {
        "ja": "個人が特定されないよう、すべての数値にはわずかな調整（セルキー法）を加えています。調整後の回答者が{min_n}人未満の区分は、人数・推計値・区間を表示せず「{suppressed}」とします。有効回答数が{neff}未満、または信頼区間の幅が{width}ポイントを超える区分は表示しますが「{low}」とします。支援団体の件数は、調整後に1〜4件の欄を「<5」と表示します。内訳の合計が全体と一致しないことがあります。",
        "en": "To protect individuals, every figure is adjusted slightly (cell-key method). Groups with fewer than {min_n} respondents after adjustment show no count, estimate or interval, only '{suppressed}'. Groups with an effective sample below {neff} or an interval wider than {width} points are shown but marked '{low}'. Activity counts of 1-4 after adjustment show as '<5'. Breakdowns may not add up to the totals.",
    },
    "cellkey": {
        "ja": "すべての数値（回答者数、推計値と信頼区間、支援団体の件数、回答者の構成）には、個人が特定されないよう、わずかな調整を加えています。"
        "オーストラリア統計局の集計ツール（TableBuilder）や英国の2021年国勢調査の集計表と同じ「セルキー法」という方法です。\n\n"
        "- **記録キー**: 回答1件・活動記録1件ごとに、0〜255の番号（記録キー）を付けています。この番号は、この設置先だけが持つ秘密の鍵から計算するため、外からは推測できません。同じ記録には、データを取り込み直しても同じ番号が付きます。\n"
        "- **セルキー**: 表の1つの欄（セル）に入る記録の記録キーを足し合わせ、256で割った余りを、その欄のセルキーとします。\n"
        "- **調整表（ptable）**: 欄の人数（件数）とセルキーの組み合わせごとに、足し引きする小さな数を決めた表です。調整は平均すると0で、"
        "市民調査の人数は最大±{survey_d}（分散{survey_v}）、公開Web調査の人数は最大±{open_d}（分散{open_v}）、"
        "支援団体の件数は最大±{activity_d}（分散{activity_v}）です。推計値と信頼区間は、調整後の人数から計算します。\n"
        "- **同じ欄はいつも同じ数値**: 同じ記録の集まりなら、どのページ・ダウンロード・発表資料でも、何度表示しても同じ調整になります。繰り返し表示したり平均したりしても、本当の値には近づきません。\n"
        "- **内訳の合計は全体と一致しないことがあります**: 全体や合計も、それぞれ1つの欄として調整するためです。表どうしを差し引いても、小さな区分の本当の値は分かりません。\n"
        "- **絞り込みの制限**: 地域・年齢・性別・世帯の絞り込みは、1つの区分か、次の決まったまとまりから1つだけ選べます: {groups}。「無回答」では絞り込めません。"
        "調査方法は無作為抽出か公開Webのどちらか1つで、2つを合算した数値は出しません（調査方法別の表にも「全体」の行はありません）。"
        "絞り込んだ回答者が{min_filter_n}人未満になる表は作らず、「条件を広げてください」と表示します。支援団体の活動の期間は、1か月か年度単位です。\n"
        "- **「<5」と「{suppressed}」**: 調整後の件数が1〜4件の欄は「<5」と表示します。調整後の回答者が{min_n}人未満の区分は、人数も推計値も表示せず「{suppressed}」とします。",
        "en": "Every figure (respondent counts, estimates and intervals, activity counts, who answered) is adjusted slightly so that no individual can be identified. "
        "The method is the cell-key method, as used by the Australian Bureau of Statistics' TableBuilder and the UK's 2021 Census tables.\n\n"
        "- **Record keys**: every answer and every activity record carries a number from 0 to 255 (its record key), computed from a secret held only by this installation, so it cannot be guessed. The same record gets the same number when the data are imported again.\n"
        "- **Cell key**: the record keys of the records in one cell of a table are added up; the remainder after dividing by 256 is the cell's key.\n"
        "- **Perturbation table (ptable)**: for each combination of a cell's count and its cell key, it sets a small number to add or subtract. The changes average 0; "
        "survey counts change by at most ±{survey_d} (variance {survey_v}), open-web survey counts by at most ±{open_d} (variance {open_v}), "
        "activity counts by at most ±{activity_d} (variance {activity_v}). Estimates and intervals are computed from the adjusted counts.\n"
        "- **The same cell always shows the same figure**: the same records get the same adjustment on every page, download and slide, however often they are shown. Asking again or averaging does not get closer to the true value.\n"
        "- **Breakdowns may not add up to the totals**: totals are adjusted as cells of their own. Subtracting one table from another does not reveal the true value of a small group.\n"
        "- **Limits on filters**: district, age, sex and household each take one group or one of these set combinations: {groups}. 'No answer' is never a filter. "
        "The survey channel is the random sample or the open web, never the two added up (a table by channel has no 'All' row). "
        "Tables whose filtered respondents number fewer than {min_filter_n} are not made (the page asks you to widen the filters). Activity periods are one month or whole fiscal years.\n"
        "- **'<5' and '{suppressed}'**: activity counts of 1-4 after adjustment show as '<5'. Groups with fewer than {min_n} respondents after adjustment show neither count nor estimate, only '{suppressed}'.",
    },
}


def normalise_lang(value: object) -> str:
    """The language code for a URL or widget value; anything unknown falls back to Japanese."""
    text = str(value).strip().lower() if value is not None else ""
    return text if text in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The UI string KEY in LANG, formatted with FMT."""
    entry = STRINGS[key]
    text = entry[normalise_lang(lang)]
    return text.format(**fmt) if fmt else text


def methods_text(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    text = METHODS_TEXT[key][normalise_lang(lang)]
    return text.format(**fmt) if fmt else text
