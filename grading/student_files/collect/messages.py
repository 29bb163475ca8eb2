"""The messages of collect_submission.py, in each language of the course: {language: {key: text}}.

Every text a student reads, as ``str.format`` templates; zh and en have the same keys.
"""

TEXT = {
    "en": {
        "bad_id": "Invalid student id {sid!r}: use letters, digits, '-', '_' and '.' only (at most 64 characters, "
                  "starting with a letter or digit), e.g. python collect_submission.py s1234567",
        "not_course": "collect_submission.py must stay in the course folder, next to assignments/ and classifiers/ "
                      "(nothing of the course was found in {root}).",
        "symlink": "{rel} is a symbolic link. Replace it with the real file (copy the file itself), then run this "
                   "again. Nothing was written.",
        "not_file": "{rel} is not a regular file. Nothing was written.",
        "too_big": "{rel} is {size}; the limit for one {kind} is {limit}. {advice} Nothing was written.",
        "too_big_total": "All files together are {size}; the limit is {limit}. The largest: {largest}. "
                         "Nothing was written.",
        "advice_notebook": "Clear the outputs of cells that print or plot a lot (or lower what they print), "
                           "restart and run all, save, and try again.",
        "advice_model": "Save a smaller model (fewer or narrower hidden layers).",
        "advice_module": "A module should hold code only: remove any data you pasted into it.",
        "kind_notebook": "notebook", "kind_module": "module", "kind_model": "saved model",
        "checks_head": "Running the visible checks of every notebook (the same tables as each notebook's last "
                       "cell) ...",
        "checks_failed": "The visible checks stopped with an error (see above): an error in one of your modules? "
                         "Your files are handed in all the same.",
        "checks_timeout": "The visible checks did not finish within {seconds} s (an endless loop?). Your files are "
                          "handed in all the same.",
        "checks_skipped": "Visible checks skipped (--no-checks).",
        "missing": "{rel} is missing: it counts as not done.",
        "not_run": "Not run yet (no outputs saved): {names}. If you worked on them: Kernel > Restart Kernel and "
                   "Run All Cells, then save (Ctrl+S).",
        "out_of_order": "{rel} was not run top to bottom (cells ran out of order or were skipped): Kernel > "
                        "Restart Kernel and Run All Cells, then save.",
        "stopped": "{rel}: Run All stopped at cell [{count}] with {error}. Fine if that part is unfinished; "
                   "otherwise fix it, restart and run all, then save.",
        "no_outputs": "{rel} has no outputs: run all cells and save (Ctrl+S) before collecting.",
        "unreadable_nb": "{rel} cannot be read as a notebook ({why}): the grader will show the released notebook "
                         "instead of yours.",
        "stubs": "{rel}: still NotImplementedError in {names}.",
        "syntax": "{rel} has a syntax error at line {line} ({msg}): nothing in it can earn points until it is "
                  "fixed.",
        "extra": "{rel} is not handed in: the grader only reads the course's modules ({modules}). Put your code "
                 "into those.",
        "unanswered": "{rel}: {count} written question(s) not answered yet (the cell still says \"{stub}\"): "
                      "{where}.",
        "model_data": "{rel} was trained on {trained}, but your teacher's grader scores it on {scoring}, where it "
                      "will reach a very low accuracy. Run the training cell of notebook 05 again on {scoring} (it "
                      "saves the better model), then collect again.",
        "model_no_meta": "{rel} does not record what data it was trained on (an older notebook saved it). The "
                         "grader scores it on {scoring}: run the training cell of notebook 05 again on {scoring}, "
                         "then collect again.",
        "data_cifar10": "CIFAR-10", "data_embedded": "the small built-in data set (handwritten digits)",
        "summary": "{zip}: {count} files, {size} ({packed} zipped)",
        "warnings": "Warnings ({count}):",
        "no_warnings": "No warnings.",
        "written": "Written: {path}",
        "cannot_write": "Could not write {path}: {error}. Choose another folder with --out FOLDER.",
        "upload": "Upload this file where your teacher collects the work. Run this command again after any "
                  "change: the zip is a copy of your files as they are now.",
    },
    "zh": {
        "bad_id": "学号 {sid!r} 无效：只能使用字母、数字、'-'、'_' 和 '.'（最多 64 个字符，以字母或数字开头），"
                  "例如 python collect_submission.py s1234567",
        "not_course": "collect_submission.py 必须放在课程文件夹中，与 assignments/ 和 classifiers/ 并列"
                      "（在 {root} 中没有找到课程文件）。",
        "symlink": "{rel} 是符号链接。请用真实文件替换它（复制文件本身），然后重新运行。没有写入任何文件。",
        "not_file": "{rel} 不是普通文件。没有写入任何文件。",
        "too_big": "{rel} 大小为 {size}；单个{kind}的上限是 {limit}。{advice}没有写入任何文件。",
        "too_big_total": "所有文件合计 {size}，上限是 {limit}。最大的文件：{largest}。没有写入任何文件。",
        "advice_notebook": "清除大量打印或绘图的单元格的输出（或减少输出），重启并运行全部单元格，保存后再试。",
        "advice_model": "请保存一个更小的模型（更少或更窄的隐藏层）。",
        "advice_module": "模块里只应有代码：请删除粘贴进去的数据。",
        "kind_notebook": "笔记本", "kind_module": "模块", "kind_model": "模型文件",
        "checks_head": "正在运行每个笔记本的可见检查（与每个笔记本最后一个单元格的表格相同）……",
        "checks_failed": "可见检查因错误而中止（见上方）：是不是你的某个模块有错误？你的文件仍会照常打包。",
        "checks_timeout": "可见检查没有在 {seconds} 秒内结束（死循环？）。你的文件仍会照常打包。",
        "checks_skipped": "已跳过可见检查（--no-checks）。",
        "missing": "缺少 {rel}：按未完成计。",
        "not_run": "尚未运行（没有保存的输出）：{names}。如果你做过这些练习：Kernel > Restart Kernel and Run All "
                   "Cells，然后保存（Ctrl+S）。",
        "out_of_order": "{rel} 没有从上到下依次运行（单元格运行顺序错乱或有遗漏）：Kernel > Restart Kernel and "
                        "Run All Cells，然后保存。",
        "stopped": "{rel}：Run All 在单元格 [{count}] 处因 {error} 停止。如果那部分还没完成，这没有问题；"
                   "否则请改正后重启并运行全部单元格，再保存。",
        "no_outputs": "{rel} 没有任何输出：打包前请运行全部单元格并保存（Ctrl+S）。",
        "unreadable_nb": "{rel} 无法作为笔记本读取（{why}）：评分时将显示发布版笔记本而不是你的笔记本。",
        "stubs": "{rel}：{names} 仍然抛出 NotImplementedError。",
        "syntax": "{rel} 第 {line} 行有语法错误（{msg}）：改正之前其中的任何内容都不能得分。",
        "extra": "{rel} 不会被提交：评分只读取课程的模块（{modules}）。请把代码写进这些模块。",
        "unanswered": "{rel}：还有 {count} 道书面题没有作答（单元格里仍是“{stub}”）：{where}。",
        "model_data": "{rel} 是在{trained}上训练的，但老师的评分机器在{scoring}上给它打分，在那里它只能得到很低的"
                      "正确率。请用{scoring}重新运行笔记本 05 的训练单元格（它会保存更好的模型），再打包。",
        "model_no_meta": "{rel} 没有记录它是用什么数据训练的（由旧版笔记本保存）。评分机器用{scoring}打分："
                         "请用{scoring}重新运行笔记本 05 的训练单元格，再打包。",
        "data_cifar10": "CIFAR-10 数据集", "data_embedded": "内置的小数据集（手写数字）",
        "summary": "{zip}：{count} 个文件，{size}（压缩后 {packed}）",
        "warnings": "警告（{count} 条）：",
        "no_warnings": "没有警告。",
        "written": "已写入：{path}",
        "cannot_write": "无法写入 {path}：{error}。请用 --out 文件夹 指定另一个位置。",
        "upload": "请把这个文件上传到老师收作业的地方。之后若有修改，请重新运行本命令：zip 是你的文件此刻的副本。",
    },
}
