package org.tarflow4j.tensorboard;

/** Text for TensorBoard's text dashboard, which renders Markdown. */
public final class Markdown {
    private Markdown() {}

    /**
     * {@code text} as a fenced code block, shown verbatim in a fixed-width font (line breaks and spacing kept). The
     * fence is longer than any run of backticks inside the text, so the text cannot close it.
     *
     * @param language the info string after the opening fence (e.g. {@code "toml"}), or empty
     */
    public static String codeBlock(String text, String language) {
        int longestRun = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            run = text.charAt(i) == '`' ? run + 1 : 0;
            longestRun = Math.max(longestRun, run);
        }
        String fence = "`".repeat(Math.max(3, longestRun + 1));
        String body = text.endsWith("\n") ? text : text + "\n";
        return fence + language + "\n" + body + fence + "\n";
    }
}
